"""costboard.dashboard.claim_table: the overview's table of a subject's claims, with whether
each is evidence. On a made-up standing frame (the columns plugins/claim_standing.py gives),
so each rule of the table shows by itself; the browser test reads it on the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from costboard.dashboard import claim_table


def claim(claim_id: str, subject: str, stated_on: dt.date, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "claim_id": claim_id,
        "subject": subject,
        "stated_on": stated_on,
        "stated_on_precision": "day",
        "claimant": "Someone",
        "outlet": None,
        "source_title": None,
        "source_url": f"https://example.org/{claim_id}",
        "metric": "training_cost",
        "scope": "final_run",
        "qualifier": None,
        "value": 5.576e6,
        "low": None,
        "high": None,
        "unit": "usd",
        "bound": "exact",
        "in_evidence": True,
        "excluded_because": None,
        "checks": None,
        "status": "active",
        "source_kind": "primary",
        "quote": "a quote",
        "note": "not shown",
    }
    return {**row, **fields}


STANDING = pl.DataFrame(
    [
        claim("r1-later", "deepseek-r1", dt.date(2025, 9, 17), value=294e3, bound="lower"),
        claim(
            "r1-misattributed",
            "deepseek-r1",
            dt.date(2025, 1, 27),
            in_evidence=False,
            excluded_because="misattributed",
            status="misattributed",
            outlet="An Outlet",
            source_title="A headline",
        ),
        claim("v3", "deepseek-v3", dt.date(2024, 12, 27), stated_on_precision="month"),
        claim("r1-earlier", "deepseek-r1", dt.date(2025, 1, 27), value=None, low=1e6, high=2e6),
    ]
)


def test_claims_are_in_subject_then_date_order() -> None:
    table = claim_table.table(STANDING)
    assert table["claim_id"].to_list() == ["r1-earlier", "r1-misattributed", "r1-later", "v3"]


def test_the_table_holds_the_grids_columns_in_order_and_the_links_text() -> None:
    table = claim_table.table(STANDING)
    fields = [c["field"] for c in claim_table.COLUMNS]
    assert table.columns == [*fields, "source_label", "source_title", "stated_on"]
    assert "note" not in table.columns and "value" not in table.columns


def test_each_claim_says_whether_it_is_evidence_and_why_not() -> None:
    rows = {r["claim_id"]: r for r in claim_table.rows(STANDING)}
    assert rows["v3"]["evidence"] == "yes"
    assert rows["r1-misattributed"]["evidence"] == "no: misattributed"


def test_a_figure_keeps_its_bound_and_a_date_its_precision() -> None:
    rows = {r["claim_id"]: r for r in claim_table.rows(STANDING)}
    assert rows["r1-later"]["figure"].startswith(">")
    assert rows["v3"]["stated"] == "2024-12"
    assert rows["r1-earlier"]["stated"] == "2025-01-27"


def test_the_source_shows_outlet_and_title_and_links_safely() -> None:
    rows = {r["claim_id"]: r for r in claim_table.rows(STANDING)}
    assert rows["r1-misattributed"]["source_label"] == "An Outlet: A headline"
    assert rows["v3"]["source_label"] == "https://example.org/v3"  # no outlet, no title
    # The link's text is the column the grid's SafeLink reads (its textField).
    (link,) = [c for c in claim_table.COLUMNS if c["field"] == "source_url"]
    assert rows["r1-misattributed"][link["cellRendererParams"]["textField"]] == (
        "An Outlet: A headline"
    )
    assert rows["v3"]["source_href"] == "https://example.org/v3"
