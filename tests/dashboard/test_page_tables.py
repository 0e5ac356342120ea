"""dashboard/page_tables.py on its own: the what-if page's headline (each series at its newest
evidence date) and how the history diff shows missing values and lists (the tables' layout as
the pages use it: test_views.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from costboard.dashboard import page_tables


def test_the_headline_is_each_series_at_its_newest_evidence_date() -> None:
    rows = [
        ("m", "training_cost", "final_run", "usd", "b", dt.date(2025, 1, 1), 3.0),
        ("m", "training_cost", "final_run", "usd", "a", dt.date(2025, 3, 1), 2.0),
        ("m", "training_cost", "final_run", "usd", "a", dt.date(2025, 1, 1), 1.0),
    ]
    columns = ["subject", "metric", "scope", "unit", "estimator", "as_of", "value"]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    newest = page_tables.headline(frame)
    assert newest.select("estimator", "as_of", "value").rows() == [
        ("a", dt.date(2025, 3, 1), 2.0),
        ("b", dt.date(2025, 1, 1), 3.0),
    ]
    assert page_tables.headline(frame.head(0)).is_empty()


def test_a_diff_shows_nothing_as_the_empty_set_and_lists_in_brackets() -> None:
    frame = pl.DataFrame(
        {
            "change": ["changed", "removed"],
            "id": ["x", "y"],
            "changed_columns": [["tags"], None],
            "old_tags": [None, ["a", "b"]],
            "new_tags": [["c"], None],
        }
    )
    assert page_tables.diff_rows(frame, ["id"], ["tags"]) == [
        {"change": "changed", "key": "x", "details": "tags: ∅ → [c]"},
        {"change": "removed", "key": "y", "details": "tags=[a, b]"},
    ]
