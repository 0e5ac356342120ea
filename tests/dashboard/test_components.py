"""Shared pieces: safe links, URL state, number formatting, and the grid filter -> SQL."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from dash import html

from costboard.dashboard import components as ui
from costboard.dashboard import grid_sql


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2412.19437",
        "http://example.org/a?b=c#d",
        "HTTPS://EXAMPLE.ORG/",
    ],
)
def test_http_and_https_urls_become_links(url: str) -> None:
    assert ui.safe_href(url) == url
    made = ui.link(url, "the source")
    assert isinstance(made, html.A) and made.href == url
    assert made.rel == "noopener noreferrer"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "/relative/path",
        "//example.org/protocol-relative",
        "http:/missing-host",
        "https://",
        "",
        None,
        42,
    ],
)
def test_anything_else_is_plain_text(url: object) -> None:
    assert ui.safe_href(url) is None
    shown = ui.link(url, "label")
    assert isinstance(shown, html.Span) and not hasattr(shown, "href")


def test_grid_rows_carry_a_safe_href_beside_each_url() -> None:
    import polars as pl

    frame = pl.DataFrame(
        {
            "source_url": ["https://example.org/a", "javascript:alert(1)", None],
            "stated_on": [dt.date(2025, 1, 27)] * 3,
            "inputs": [["a", "b"], [], None],
        }
    )
    rows = ui.rows(frame)
    assert [r["source_href"] for r in rows] == ["https://example.org/a", None, None]
    assert rows[0]["stated_on"] == "2025-01-27" and rows[0]["inputs"] == "a, b"


def test_query_strings_round_trip_through_dash_pages_parsing() -> None:
    from dash._pages import _parse_query_string

    search = ui.query_string(
        {"snapshot": 12, "subject": ["deepseek-v3", "deepseek"], "q": "SELECT 'a&b'", "x": None}
    )
    parsed = _parse_query_string(search)
    assert parsed == {"snapshot": "12", "subject": ["deepseek-v3", "deepseek"], "q": "SELECT 'a&b'"}
    assert ui.as_list(parsed["subject"]) == ["deepseek-v3", "deepseek"]
    assert ui.as_list("one") == ["one"] and ui.as_list(None) == [] and ui.first(["a", "b"]) == "a"
    assert ui.query_string({}) == ""


def test_url_state_names_the_page_and_a_concrete_snapshot() -> None:
    state = ui.url_state("what_if", 41, {"rental_price": 2.5, "subject": ["deepseek-v3"]})
    assert state == {
        "path": "/what-if",
        "snapshot": 41,
        "search": "?snapshot=41&rental_price=2.5&subject=deepseek-v3",
    }


def test_navigation_links_keep_the_snapshot() -> None:
    links = ui.nav("/market", 7)
    assert [link.href for link in links][:2] == ["/?snapshot=7", "/market?snapshot=7"]
    assert "active" in links[1].className and "active" not in links[0].className


def test_snapshot_status_says_how_far_behind() -> None:
    assert ui.snapshot_status(12, 12) == "the newest snapshot"
    assert ui.snapshot_status(10, 12).startswith("2 snapshot(s) behind")


KINDS = {"subject": "text", "value": "number", "stated_on": "date", "quote": "text"}


def _count(filter_model: dict, rows: list[tuple]) -> int:
    where, params = grid_sql.where(filter_model, KINDS)
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        + ", ".join("(?, ?, ?::DATE, ?)" for _ in rows)
        + ") AS v(subject, value, stated_on, quote)",
        [x for row in rows for x in row],
    )
    return connection.execute(f"SELECT count(*) FROM t WHERE {where}", params).fetchone()[0]


ROWS = [
    ("deepseek-v3", 5.576e6, "2024-12-27", "x"),
    ("deepseek", 1.6e9, "2025-01-31", None),
    ("gpt-4", 7.8e7, "2023-03-15", "it's"),
]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ({"subject": {"filterType": "text", "type": "contains", "filter": "DEEP"}}, 2),
        ({"subject": {"filterType": "text", "type": "startsWith", "filter": "gpt"}}, 1),
        ({"subject": {"filterType": "text", "type": "notEqual", "filter": "deepseek"}}, 2),
        ({"value": {"filterType": "number", "type": "greaterThan", "filter": 1e7}}, 2),
        (
            {"value": {"filterType": "number", "type": "inRange", "filter": 1e6, "filterTo": 1e8}},
            2,
        ),
        (
            {
                "stated_on": {
                    "filterType": "date",
                    "type": "lessThan",
                    "dateFrom": "2025-01-01 00:00:00",
                }
            },
            2,
        ),
        ({"quote": {"filterType": "text", "type": "blank"}}, 1),
        (
            {
                "subject": {
                    "filterType": "text",
                    "operator": "OR",
                    "conditions": [
                        {"filterType": "text", "type": "equals", "filter": "gpt-4"},
                        {"filterType": "text", "type": "equals", "filter": "deepseek"},
                    ],
                }
            },
            2,
        ),
        # A value is always a parameter: SQL in it is just text to look for.
        ({"quote": {"filterType": "text", "type": "contains", "filter": "'; DROP TABLE t; --"}}, 0),
        ({"quote": {"filterType": "text", "type": "contains", "filter": "'s"}}, 1),
    ],
)
def test_grid_filters_become_parameterised_sql(model: dict, expected: int) -> None:
    assert _count(model, ROWS) == expected


def test_grid_filters_and_sorts_name_only_known_columns() -> None:
    with pytest.raises(grid_sql.FilterError, match="unknown column"):
        grid_sql.where({"1; DROP TABLE t": {"filterType": "text", "type": "contains"}}, KINDS)
    with pytest.raises(grid_sql.FilterError, match="unknown column"):
        grid_sql.order_by([{"colId": "value; DROP TABLE t", "sort": "asc"}], KINDS, "1")
    with pytest.raises(grid_sql.FilterError, match="bad filter value"):
        grid_sql.where({"value": {"filterType": "number", "type": "equals", "filter": "x"}}, KINDS)
    assert grid_sql.where(None, KINDS) == ("TRUE", [])


def test_sorts_round_trip_through_the_url() -> None:
    model = [{"colId": "stated_on", "sort": "desc"}, {"colId": "subject", "sort": "asc"}]
    text = grid_sql.sort_text(model)
    assert text == "stated_on:desc,subject:asc"
    assert grid_sql.parse_sort(text + ",nope:asc", KINDS) == model
    assert grid_sql.order_by(model, KINDS, '"claim_id"') == (
        '"stated_on" DESC NULLS LAST, "subject" ASC NULLS LAST, "claim_id"'
    )
