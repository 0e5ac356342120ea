"""The evidence frame: the latest claim of each key as of every evidence date, and its helpers."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

import polars as pl
import pytest

from costboard import ANY, EVIDENCE_COLUMNS, pick, spread
from costboard.testing import claim as c
from costboard.testing import make_evidence

D = dt.date


@pytest.fixture
def evidence():
    return make_evidence(
        [
            c("m", "gpu_hours", "final_run", 100.0, D(2024, 1, 1), claim_id="hours-1"),
            c("m", "gpu_hours", "final_run", 120.0, D(2024, 3, 1), claim_id="hours-2"),
            c(
                "m",
                "gpu_count",
                "final_run",
                8.0,
                D(2024, 2, 1),
                qualifier="h800",
                claim_id="count",
            ),
            c(
                "m",
                "utilization",
                "final_run",
                None,
                D(2024, 2, 1),
                low=0.38,
                high=0.43,
                qualifier="bf16",
                claim_id="mfu",
            ),
            c("h800", "rental_price", "market", 3.0, D(2024, 1, 15), qualifier="a", claim_id="r-a"),
            c("h800", "rental_price", "market", 2.0, D(2024, 2, 1), qualifier="b", claim_id="r-b"),
            c("h800", "rental_price", "market", 5.0, D(2024, 2, 1), qualifier="c", claim_id="r-c"),
            c("g", "market_cap_change", "one_day", -1.0, D(2024, 2, 1), claim_id="g-move"),
        ],
        subjects=[{"subject": "g", "kind": "group", "members": ["NVDA", "AVGO"]}],
        today=D(2024, 6, 1),
    )


def test_the_evidence_frame_has_exactly_the_documented_columns_and_types(evidence) -> None:
    assert evidence.frame.schema == pl.Schema({n: t for n, (t, _) in EVIDENCE_COLUMNS.items()})


def test_evidence_dates_are_every_stated_on_date_plus_today(evidence) -> None:
    assert evidence.dates == [
        D(2024, 1, 1),
        D(2024, 1, 15),
        D(2024, 2, 1),
        D(2024, 3, 1),
        D(2024, 6, 1),
    ]


def test_each_date_holds_the_latest_claim_stated_on_or_before_it(evidence) -> None:
    hours = evidence.frame.filter(pl.col("metric") == "gpu_hours").sort("as_of")
    # The model's own dates and today; not the H800's 15 January price, stated before the
    # model named its chip (tests/plugins/test_evidence_shape.py has the rule).
    assert hours.select("as_of", "claim_id", "value").rows() == [
        (D(2024, 1, 1), "hours-1", 100.0),
        (D(2024, 2, 1), "hours-1", 100.0),
        (D(2024, 3, 1), "hours-2", 120.0),
        (D(2024, 6, 1), "hours-2", 120.0),
    ]
    assert (evidence.frame["stated_on"] <= evidence.frame["as_of"]).all()


def test_a_key_has_rows_only_from_its_first_claim_on(evidence) -> None:
    count = evidence.frame.filter(pl.col("metric") == "gpu_count")
    assert count["as_of"].min() == D(2024, 2, 1)


def test_one_row_per_subject_date_metric_scope_and_qualifier(evidence) -> None:
    key = ["subject", "as_of", "metric", "scope", "qualifier"]
    assert evidence.frame.select(key).is_duplicated().sum() == 0


def test_a_models_chip_is_the_qualifier_of_its_gpu_count_claim(evidence) -> None:
    chips = evidence.rows.filter(pl.col("subject") == "m").select("as_of", "chip").rows()
    # Before the gpu_count claim, nothing names the chip.
    assert chips[:1] == [(D(2024, 1, 1), None)]
    assert {chip for _, chip in chips[1:]} == {"h800"}
    assert set(evidence.rows.filter(pl.col("subject") == "h800")["chip"]) == {"h800"}


def test_group_subjects_carry_their_members(evidence) -> None:
    members = evidence.rows.filter(pl.col("subject") == "g")["members"].to_list()
    # Its own claim's date and today (the other subjects' dates are not the group's).
    assert members == [["NVDA", "AVGO"]] * 2


def test_pick_gives_one_wide_row_per_subject_and_date(evidence) -> None:
    picked = pick(evidence.frame, "gpu_hours", scope="final_run", name="hours")
    assert picked.columns == [
        "subject",
        "as_of",
        "hours",
        "hours_low",
        "hours_high",
        "hours_claim_id",
        "hours_qualifier",
        "hours_stated_on",
    ]
    assert picked.height == 4  # the model's dates: 1 Jan, 1 Feb, 1 Mar and today


def test_pick_takes_the_geometric_middle_of_a_range_only_claim(evidence) -> None:
    mfu = evidence.pick("utilization").row(0, named=True)
    assert mfu["utilization"] == pytest.approx((0.38 * 0.43) ** 0.5)
    assert (mfu["utilization_low"], mfu["utilization_high"]) == (0.38, 0.43)


def test_pick_filters_by_qualifier_and_none_means_no_qualifier(evidence) -> None:
    assert evidence.pick("gpu_count", qualifier=None).is_empty()
    assert evidence.pick("gpu_count", qualifier="h800").height == 3
    assert evidence.pick("gpu_count", qualifier=ANY).height == 3


def test_spread_summarises_alternative_claims_per_date(evidence) -> None:
    rows = spread(evidence.frame, "rental_price", scope="market", name="p").sort("as_of")
    first, later = rows.row(0, named=True), rows.row(-1, named=True)
    assert (first["p_median"], first["p_count"], first["p_claim_ids"]) == (3.0, 1, ["r-a"])
    assert (later["p_min"], later["p_median"], later["p_max"]) == (2.0, 3.0, 5.0)
    assert later["p_claim_ids"] == ["r-a", "r-b", "r-c"]


def test_claims_stated_the_same_day_under_one_key_resolve_to_the_greater_claim_id() -> None:
    evidence = make_evidence(
        [
            c(
                "NVDA",
                "market_cap_change",
                "one_day",
                -589e9,
                D(2025, 1, 27),
                claim_id="a-bloomberg",
            ),
            c("NVDA", "market_cap_change", "one_day", -592.7e9, D(2025, 1, 27), claim_id="b-lseg"),
        ]
    )
    assert evidence.frame["claim_id"].to_list() == ["b-lseg"]


def python_calls(function: Callable[[], object]) -> int:
    """How many Python-level function calls ``function`` makes (polars' own work is not one)."""
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        function()
    finally:
        sys.setprofile(None)
    return calls


def claims_over_400_days(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(n)],
            "subject": [f"s{i % 50}" for i in range(n)],
            "metric": ["gpu_hours"] * n,
            "scope": ["final_run"] * n,
            "qualifier": [f"q{i % 4}" for i in range(n)],
            "value": [float(i) for i in range(n)],
            "stated_on": [D(2020, 1, 1) + dt.timedelta(days=i % 400) for i in range(n)],
        }
    )


def test_the_frame_is_built_without_a_python_loop_per_row() -> None:
    # Counted, not timed: ten times the claims must not mean more Python calls.
    small, large = claims_over_400_days(2_000), claims_over_400_days(20_000)
    make_evidence(small)  # warm up: first-use imports and caches
    calls_small = python_calls(lambda: make_evidence(small))
    calls_large = python_calls(lambda: make_evidence(large))
    assert calls_large < calls_small * 1.5 + 100, (calls_small, calls_large)
    evidence = make_evidence(large)
    # 100 (subject, qualifier) keys, none naming another subject: each key has a row at each
    # of its subject's own dates (and today) from the key's first claim on.
    own: dict[str, set[dt.date]] = {}
    first: dict[tuple[str, str], dt.date] = {}
    for subject, qualifier, day in large.select("subject", "qualifier", "stated_on").rows():
        own.setdefault(subject, set()).add(day)
        first[subject, qualifier] = min(day, first.get((subject, qualifier), day))
    today = large["stated_on"].max()
    expected = sum(len({d for d in own[s] | {today} if d >= f}) for (s, _), f in first.items())
    assert len(first) == 100
    assert evidence.frame.height == expected
