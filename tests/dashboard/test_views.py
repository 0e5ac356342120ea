"""What the pages draw: figures and tables from frames, without a browser or a warehouse."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest

from costboard.dashboard import views

D = dt.date


def estimates(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
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


def claims(rows: list[tuple]) -> pl.DataFrame:
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
            "value_as_written": pl.Float64,
            "unit_as_written": pl.String,
            "claimant": pl.String,
            "stated_on": pl.Date,
            "quote": pl.String,
            "source_url": pl.String,
            "source_title": pl.String,
        },
        orient="row",
    )


V3 = ("deepseek-v3", "training_cost", "final_run", "usd")
ESTIMATES = estimates(
    [
        (*V3, "cloud_rental", "1.0", D(2024, 12, 27), 5.576e6, 5.576e6, 9.5e6),
        (*V3, "cloud_rental", "1.0", D(2025, 5, 14), 5.576e6, 5.576e6, 9.5e6),
        (*V3, "compute_6nd", "1.0", D(2024, 12, 27), 4.9e6, 2.8e6, 3.1e7),
        (
            "deepseek-v3",
            "server_capex",
            "cluster_capex",
            "usd",
            "hardware_acquisition",
            "1.0",
            D(2024, 12, 27),
            1.1e8,
            5e7,
            2.3e8,
        ),
        (
            "deepseek",
            "operating_cost",
            "fleet_opex",
            "usd",
            "fleet_ownership",
            "1.0",
            D(2025, 1, 31),
            1.15e9,
            3.5e8,
            3.2e9,
        ),
    ]
)
CLAIMS = claims(
    [
        (
            "v3-cost",
            *V3[:3],
            5.576e6,
            None,
            None,
            "usd",
            5.576,
            "usd_million",
            "DeepSeek-AI",
            D(2024, 12, 27),
            "2.788M GPU-hours <b>x</b> $2",
            "https://arxiv.org/abs/2412.19437",
            "DeepSeek-V3 report",
        ),
        (
            "sonnet",
            *V3[:3],
            None,
            1e7,
            1e8,
            "usd",
            None,
            "usd_million",
            "Amodei",
            D(2025, 6, 1),
            None,
            "https://example.org",
            None,
        ),
    ]
)


def traces(figure, kind: str) -> list:  # type: ignore[no-untyped-def]
    return [t for t in figure.data if (t.meta or {}).get("kind") == kind]


def test_panels_put_the_subjects_in_order_and_claimed_charts_first() -> None:
    found = views.panels(ESTIMATES, ["deepseek-v3", "deepseek"], CLAIMS)
    assert [(p.subject, p.metric) for p in found] == [
        ("deepseek-v3", "training_cost"),
        ("deepseek-v3", "server_capex"),
        ("deepseek", "operating_cost"),
    ]
    assert views.panels(ESTIMATES.clear(), ["x"]) == []


def test_the_estimate_chart_has_a_stepped_line_and_band_per_estimator_and_the_claims() -> None:
    panel = views.Panel(*V3)
    palette = views.colours(["cloud_rental", "compute_6nd", "hardware_acquisition"])
    figure = views.estimate_figure(panel, ESTIMATES, CLAIMS, palette)
    lines = traces(figure, "estimate")
    assert [t.meta["estimator"] for t in lines] == ["cloud_rental", "compute_6nd"]
    assert all(t.line.shape == "hv" for t in lines)
    assert [t.name for t in lines] == ["cloud_rental (final_run)", "compute_6nd (final_run)"]
    assert lines[0].line.color == palette["cloud_rental"]
    assert len(traces(figure, "band")) == 4  # the high edge and the filled low edge, each
    # Every line runs to the axis's end, shortly after the chart's last date (a later claim),
    # so the steps hold until then (the end's rule: test_figures.py).
    end = figure.layout.xaxis.range[1]
    assert {t.x[-1] for t in lines} == {end} and end > D(2025, 6, 1)
    (markers,) = traces(figure, "claims")
    assert list(markers.x) == [D(2024, 12, 27), D(2025, 6, 1)]
    # A range-only claim sits at its geometric middle with error bars to its ends.
    assert markers.y[1] == pytest.approx((1e7 * 1e8) ** 0.5)
    assert markers.error_y.arrayminus[1] == pytest.approx(markers.y[1] - 1e7)
    assert "DeepSeek-AI" in markers.hovertext[0] and "&lt;b&gt;x&lt;/b&gt;" in markers.hovertext[0]
    assert figure.layout.yaxis.type == "log"
    assert "$5M" in figure.layout.yaxis.ticktext


def test_negative_values_get_a_linear_axis() -> None:
    moves = estimates(
        [
            (
                "NVDA",
                "market_cap_change",
                "one_day",
                "usd",
                "market_cap_move",
                "1.0",
                D(2025, 1, 27),
                -6e11,
                -6.1e11,
                -5.9e11,
            )
        ]
    )
    figure = views.estimate_figure(
        views.Panel("NVDA", "market_cap_change", "one_day", "usd"), moves, claims([]), {}
    )
    assert figure.layout.yaxis.type == "linear"


def test_the_market_chart_indexes_each_ticker_to_100_and_marks_claim_dates() -> None:
    series = pl.DataFrame(
        {
            "ticker": ["NVDA", "NVDA", "AVGO", "AVGO"],
            "date": [D(2025, 1, 24), D(2025, 1, 27)] * 2,
            "close": [142.6, 118.4, 243.0, 200.7],
            "market_cap": [3.5e12, 2.9e12, 1.1e12, 0.94e12],
        }
    )
    events = pl.DataFrame(
        {"stated_on": [D(2025, 1, 27)], "claims": [3], "what": ["Bloomberg: NVDA"]}
    )
    indexed = views.market_figure(series, events, "indexed")
    lines = traces(indexed, "ticker")
    assert [t.y[0] for t in lines] == [100, 100]
    assert lines[0].y[1] == pytest.approx(118.4 / 142.6 * 100)
    assert traces(indexed, "events")[0].hovertext[0].startswith("<b>2025-01-27</b>: 3 claim(s)")
    caps = views.market_figure(series, events.clear(), "market_cap")
    assert traces(caps, "ticker")[0].y[0] == 3.5e12 and not traces(caps, "events")


def window_estimate(subject: str, move: float, closes: list[dict[str, Any]]) -> dict[str, Any]:
    """A market_cap_move window estimate as the estimator stores it (closes in parameters)."""
    return {
        "subject": subject,
        "value": move,
        "parameters": json.dumps({"closes": {"value": closes, "origin": "derived"}}),
    }


NVDA_CLOSES = {
    "ticker": "NVDA",
    "date": "2025-01-27",
    "close": 118.40910,
    "base_date": "2025-01-24",
    "base_close": 142.60687,
    "shares": 24.804e9,
}
AVGO_CLOSES = {
    "ticker": "AVGO",
    "date": "2025-01-27",
    "close": 200.7031,
    "base_date": "2025-01-24",
    "base_close": 242.9726,
    "shares": 4.67e9,
}


def test_the_event_window_table_lays_out_the_estimators_moves_beside_the_claims() -> None:
    moves = pl.DataFrame(
        [
            window_estimate("AVGO", -197e9, [AVGO_CLOSES]),
            window_estimate("NVDA", -600e9, [NVDA_CLOSES]),
            window_estimate("nvidia-broadcom", -797e9, [AVGO_CLOSES, NVDA_CLOSES]),
        ]
    )
    said = pl.DataFrame(
        {
            "claim_id": ["bloomberg", "sum"],
            "subject": ["NVDA", "nvidia-broadcom"],
            "metric": ["market_cap_change"] * 2,
            "value": [-589e9, -789e9],
            "low": [None, -793e9],
            "high": [None, -789e9],
            "claimant": ["Bloomberg", "costboard"],
            "stated_on": [D(2025, 1, 27)] * 2,
            "source_url": ["https://example.org"] * 2,
            "source_title": ["t"] * 2,
        }
    )
    table = views.window_table(moves, ["nvidia-broadcom"], said)
    group = table.filter(pl.col("subject") == "nvidia-broadcom").row(0, named=True)
    assert (group["kind"], group["market_cap_change"]) == ("group", -797e9)
    assert group["price_change"] is None and group["base_date"] == D(2025, 1, 24)
    assert group["ratio"] == pytest.approx(789 / 797)
    nvda = table.filter(pl.col("subject") == "NVDA").row(0, named=True)
    assert nvda["ratio"] == pytest.approx(589 / 600)
    assert nvda["price_change"] == pytest.approx(118.40910 / 142.60687 - 1)
    assert (nvda["base_date"], nvda["end_date"]) == (D(2025, 1, 24), D(2025, 1, 27))
    # AVGO has no claim in the window: it still has its row.
    assert table.filter(pl.col("subject") == "AVGO")["claimant"].to_list() == [None]


def test_compare_puts_the_what_if_beside_the_default() -> None:
    baseline = ESTIMATES.filter(pl.col("estimator") == "cloud_rental")
    changed = baseline.with_columns(pl.col("value") * 2)
    table = views.compare(baseline, changed)
    row = table.row(0, named=True)
    assert row["as_of"] == D(2025, 5, 14)  # the newest evidence date of the series
    assert (row["value"], row["what_if_value"], row["ratio"]) == (5.576e6, 11.152e6, 2.0)


def test_diff_rows_show_what_changed() -> None:
    frame = pl.DataFrame(
        {
            "change": ["changed", "added"],
            "claim_id": ["a", "b"],
            "changed_columns": [["value"], None],
            "old_value": [3.42, None],
            "new_value": [3.45, 7.0],
            "old_unit": ["usd", None],
            "new_unit": ["usd", "usd"],
        }
    )
    rows = views.diff_rows(frame, ["claim_id"], ["value", "unit"])
    assert rows == [
        {"change": "changed", "key": "a", "details": "value: 3.42 → 3.45"},
        {"change": "added", "key": "b", "details": "value=7.0; unit=usd"},
    ]
