"""The ladder page folds the other models' estimator ranges away unless asked for, draws the
chosen subject's figures first, and labels them as stated (issue 19, item 5):
dashboard/ladder_figure.py's fold and placement, and dashboard/pages/ladder.py's toggle, on a
the dashboard tests' demo warehouse, with estimates (the ladder's read itself: tests/warehouse/test_ladder.py)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import dash
import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import ladder_figure
from costboard.dashboard.app import create_app
from costboard.warehouse.config import WarehouseConfig

RELATED = pl.DataFrame(
    {
        "subject": ["v3", "acme", "r1", "coder", "NVDA"],
        "relation": ["subject", "developer", "model", "model", "member"],
    }
)


def rung(kind: str, subject: str, magnitude: float, name: str) -> dict:
    return {
        "kind": kind,
        "subject": subject,
        "scope": "final_run",
        "magnitude": magnitude,
        "claim_id": name if kind == "claim" else None,
        "estimator": name if kind == "estimate" else None,
    }


def test_only_the_other_models_estimates_are_folded() -> None:
    folded = ladder_figure.folded_subjects(RELATED, "v3")
    assert folded == {"r1", "coder"}
    rungs = pl.DataFrame(
        [
            rung("estimate", "v3", 5e6, "own"),
            rung("estimate", "r1", 3e5, "r1-range"),
            rung("estimate", "coder", 6e5, "coder-range"),
            rung("claim", "r1", 2.94e5, "r1-claim"),  # a claim of another model stays
            rung("estimate", "acme", 2e9, "fleet"),  # the developer's own estimate stays
        ]
    )
    kept, hidden = ladder_figure.fold(rungs, folded)
    assert hidden == 2
    assert kept["claim_id"].to_list() == [None, "r1-claim", None]
    assert kept["estimator"].to_list() == ["own", None, "fleet"]


def test_the_chosen_subjects_figures_come_first_in_each_half_of_a_column() -> None:
    rungs = pl.DataFrame(
        [
            rung("claim", "r1", 2.94e5, "small-other"),
            rung("claim", "v3", 5.576e6, "own"),
            rung("estimate", "r1", 3e5, "other-range"),
            rung("estimate", "v3", 5.9e6, "own-range"),
        ]
    )
    placed = ladder_figure._positions(rungs, ["final_run"], "v3").sort("x")
    claims = placed.filter(pl.col("kind") == "claim")["claim_id"].to_list()
    estimates = placed.filter(pl.col("kind") == "estimate")["estimator"].to_list()
    assert claims == ["own", "small-other"] and estimates == ["own-range", "other-range"]


@pytest.fixture(scope="module")
def app(dashboard_config: WarehouseConfig) -> dash.Dash:
    # The dashboard tests' demo warehouse, with estimates (read only).
    return create_app(dashboard_config, cache=SimpleCache(threshold=0), warm=False)


@pytest.fixture
def ladder(app: dash.Dash) -> Iterator[ModuleType]:
    with app.server.test_request_context("/ladder"):
        yield importlib.import_module("costboard.dashboard.pages.ladder")


def drawn_estimates(chart: object) -> list[tuple[str, float]]:
    figure = chart.figure  # type: ignore[attr-defined]
    return [
        (estimator, y)
        for trace in figure.data
        if trace.meta["kind"] == "estimates"
        for estimator, y in zip(trace.customdata, trace.y, strict=True)
    ]


def test_v3s_ladder_folds_the_other_models_ranges_until_the_box_is_ticked(
    ladder: ModuleType,
) -> None:
    snapshot = ladder.ui.reader().latest_id()
    chart, rows, related, _status, state = ladder.update(snapshot, "deepseek-v3", [])
    folded = drawn_estimates(chart)
    final_run = [
        t for t in chart.figure.data if t.meta == {"kind": "estimates", "scope": "final_run"}
    ]
    # V3's own three final-run ranges, no other DeepSeek model's
    assert sorted(final_run[0].customdata) == [
        "amortized_hardware_energy",
        "cloud_rental",
        "compute_6nd",
    ]
    assert "Folded away: " in related[-1] and "others" not in state["search"]
    # every figure is still in the table, V3's first
    assert rows[0]["subject"] == "deepseek-v3"
    assert {r["subject"] for r in rows if r["kind"] == "estimate"} > {"deepseek-v3", "deepseek"}
    # the label of V3's final run is the figure as stated
    labels = [t for t in chart.figure.data if t.meta == {"kind": "labels", "scope": "final_run"}]
    assert "$5.576M" in labels[0].text

    chart, _rows, related, _status, state = ladder.update(snapshot, "deepseek-v3", ["others"])
    unfolded = drawn_estimates(chart)
    assert len(unfolded) > len(folded) + 5 and "others=1" in state["search"]
    assert not any("Folded away" in str(part) for part in related)
