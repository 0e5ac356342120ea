"""dashboard/claim_markers.py: claims of the same figure at one date are one marker with a count,
and its hover names every claimant (issue 19, item 5). Crafted frames, no warehouse: the figure
functions are pure; the demo's merged marker in a browser: tests/browser/test_browser_charts.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from costboard.dashboard import claim_markers

DAY = dt.date(2025, 1, 31)


def claim(claim_id: str, claimant: str, value: float, day: dt.date = DAY, **more: Any) -> dict:
    return {
        "claim_id": claim_id,
        "claimant": claimant,
        "subject": "acme",
        "metric": "server_capex",
        "scope": "fleet_capex",
        "value": value,
        "low": None,
        "high": None,
        "unit": "usd",
        "bound": "exact",
        "status": "current",
        "stated_on": day,
        "source_title": None,
        "source_url": None,
        **more,
    }


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), infer_schema_length=None)


def test_two_claims_of_one_figure_on_one_day_are_one_marker_counting_two() -> None:
    trace = claim_markers.claim_trace(
        frame(
            claim("a", "Analyst A", 1.6e9),
            # $1.6B within rounding (the computed precision of warehouse/numbers.py)
            claim("b", "Analyst B", 1.6004e9),
            claim("c", "Analyst C", 1.4e9),  # another figure the same day
            claim("d", "Analyst D", 1.6e9, dt.date(2025, 2, 6)),  # the same figure, later
        ),
        "acme",
    )
    assert trace.meta["counts"] == [2, 1, 1]
    assert trace.meta["claim_ids"] == [["a", "b"], ["c"], ["d"]]
    assert list(trace.text) == ["×2", "", ""]
    assert list(trace.customdata) == ["a", "c", "d"]
    merged = trace.hovertext[0]
    assert merged.startswith("<b>2 claims</b> · 2025-01-31 · $1.6B")
    # each claimant with its own figure as stated
    assert "<b>Analyst A</b>: $1.6B · a" in merged and "<b>Analyst B</b>: $1.6004B · b" in merged
    # a lone claim keeps its full hover
    assert trace.hovertext[1].startswith("<b>Analyst C</b> · 2025-01-31")


def test_claims_of_one_figure_but_different_bounds_or_standing_stay_apart() -> None:
    trace = claim_markers.claim_trace(
        frame(
            claim("a", "A", 5e8),
            claim("b", "B", 5e8, bound="lower"),  # "> $500M" is another statement
            claim("c", "C", 5e8, status="misattributed"),  # crossed out, never evidence
        ),
        "acme",
    )
    assert trace.meta["counts"] == [1, 1, 1]
    assert list(trace.marker.symbol) == ["diamond", "triangle-up", "x"]
