"""warehouse/estimate_moves.moves on its own: which series a diff lists and how it names the
claims that moved. tests/plugins/test_diff_estimates.py runs the same rule end to end through
`costboard diff` and the history page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from costboard.warehouse import estimate_moves

D = dt.date(2025, 1, 27)


def newest(*series: dict[str, Any]) -> pl.DataFrame:
    """A newest_per_series frame: one row per series, with the given value and inputs."""
    rows = [
        {
            "subject": "deepseek-v3",
            "metric": "training_cost",
            "scope": "final_run",
            "unit": "usd",
            "low": s["value"],
            "high": s["value"],
            "as_of": D,
            "version": "1.0",
            **s,
        }
        for s in series
    ]
    return pl.DataFrame(rows, schema_overrides={"inputs": pl.List(pl.String)})


def change_of(moved: pl.DataFrame, estimator: str) -> dict[str, Any]:
    return moved.filter(pl.col("estimator") == estimator).row(0, named=True)


def test_an_input_swapped_under_the_same_value_is_its_own_change() -> None:
    before = newest({"estimator": "a", "value": 5.0, "inputs": ["epoch-pue", "v3-gpu-count"]})
    after = newest({"estimator": "a", "value": 5.0, "inputs": ["epoch-pue", "a0-v3-duration"]})
    row = change_of(estimate_moves.moves(before, after), "a")
    assert row["change"] == estimate_moves.INPUTS_CHANGED
    assert row["inputs_change"] == "v3-gpu-count → a0-v3-duration"
    assert (row["inputs_removed"], row["inputs_added"]) == (["v3-gpu-count"], ["a0-v3-duration"])


def test_a_value_change_names_its_input_change_too() -> None:
    before = newest({"estimator": "a", "value": 5.0, "inputs": ["x"]})
    after = newest({"estimator": "a", "value": 6.0, "inputs": ["x", "y"]})
    row = change_of(estimate_moves.moves(before, after), "a")
    assert row["change"] == estimate_moves.CHANGED
    assert row["inputs_change"] == "∅ → y"  # nothing dropped, one added


def test_the_same_claims_in_another_order_are_no_change() -> None:
    # newest_per_series sorts the lists; the rule compares them as sets all the same.
    before = newest({"estimator": "a", "value": 5.0, "inputs": ["x", "y"]})
    after = newest({"estimator": "a", "value": 5.0, "inputs": ["y", "x"]})
    row = change_of(estimate_moves.moves(before, after), "a")
    assert row["change"] == estimate_moves.SAME and row["inputs_change"] is None


def test_an_added_or_removed_series_has_no_input_change_text() -> None:
    before = newest({"estimator": "gone", "value": 1.0, "inputs": ["x"]})
    after = newest({"estimator": "new", "value": 2.0, "inputs": ["y"]})
    moved = estimate_moves.moves(before, after)
    assert change_of(moved, "gone")["change"] == estimate_moves.REMOVED
    assert change_of(moved, "new")["change"] == estimate_moves.ADDED
    assert moved["inputs_change"].null_count() == 2
