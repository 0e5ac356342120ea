"""How a claim reads (warehouse/claim_text.py): bounds as signs, dates at their precision,
figures with their unit, and whether the claim is evidence. Figures are the design's story
(DeepSeek's $5.576M and 2.788M GPU-hours, R1's $294K, SemiAnalysis's $944M and $1.6B)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from costboard.warehouse import claim_text


@pytest.mark.parametrize(
    ("bound", "expected"),
    [
        ("lower", "> $294K"),
        ("upper", "< $294K"),
        ("approximate", "~ $294K"),
        ("exact", "$294K"),
        (None, "$294K"),
    ],
)
def test_a_bound_reads_as_its_sign(bound: str | None, expected: str) -> None:
    assert claim_text.bounded("$294K", bound) == expected
    frame = pl.DataFrame(
        {"text": ["$294K"], "bound": [bound]}, schema={"text": pl.String, "bound": pl.String}
    )
    assert frame.select(claim_text.bounded_expr(pl.col("text"), pl.col("bound"))).item() == expected


@pytest.mark.parametrize(
    ("precision", "expected"),
    [("year", "2025"), ("month", "2025-09"), ("day", "2025-09-30"), (None, "2025-09-30")],
)
def test_a_date_reads_at_its_precision(precision: str | None, expected: str) -> None:
    day = dt.date(2025, 9, 30)
    assert claim_text.stated_on_text(day, precision) == expected
    frame = pl.DataFrame({"on": [day], "p": [precision]}, schema={"on": pl.Date, "p": pl.String})
    assert frame.select(claim_text.stated_on_expr(pl.col("on"), pl.col("p"))).item() == expected
    assert claim_text.stated_on_text(None, precision) == ""


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (5_576_000.0, "usd", "$5.576M"),
        (-589e9, "usd", "-$589B"),
        (2_788_000.0, "gpu_hours", "2.788M gpu_hours"),
        (50_000.0, "count", "50K"),
        (3.285e24, "flop", "3.285e24 flop"),
        (None, "usd", None),
    ],
)
def test_a_figure_reads_with_its_unit(
    amount: float | None, unit: str, expected: str | None
) -> None:
    frame = pl.DataFrame({"a": [amount], "u": [unit]}, schema={"a": pl.Float64, "u": pl.String})
    assert frame.select(claim_text.figure_expr(pl.col("a"), pl.col("u"))).item() == expected


def test_a_claim_reads_as_its_value_or_its_range_with_its_bound() -> None:
    claims = pl.DataFrame(
        {
            "value": [944e6, None, None],
            "low": [None, 1.3e9, None],
            "high": [None, 1.6e9, 1.6e9],
            "unit": ["usd", "usd", "usd"],
            "bound": ["upper", "exact", "approximate"],
        }
    )
    shown = claims.select(claim_text.claim_figure_expr()).to_series().to_list()
    assert shown == ["< $944M", "$1.3B – $1.6B", "~ … – $1.6B"]


def test_evidence_reads_yes_or_no_with_the_reason() -> None:
    claims = pl.DataFrame(
        {"in_evidence": [True, False, False], "excluded_because": [None, "retracted", None]}
    )
    shown = claims.select(
        claim_text.evidence_text_expr(pl.col("in_evidence"), pl.col("excluded_because"))
    ).to_series()
    assert shown.to_list() == ["yes", "no: retracted", "no: not evidence"]


def test_the_cli_and_the_dashboard_read_evidence_by_this_rule() -> None:
    import inspect

    from costboard.cli import explain
    from costboard.dashboard import claim_display

    for module in (explain, claim_display):
        source = inspect.getsource(module)
        assert "evidence_text_expr" in source and '"no: "' not in source, module.__name__
