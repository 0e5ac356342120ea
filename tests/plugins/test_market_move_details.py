"""What a market move records beside its number: which closes, days and share counts it used,
and the window helper's check. A move computed from the wrong day's close is a silent error."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest

from costboard.plugins import default_market_cap_move as market_cap_move
from costboard.testing import assert_conforms, claim, make_evidence, run_plugin

D = dt.date
PRICES = [  # out of order on purpose: the estimator must not rely on the order it is given
    {"ticker": "NVDA", "date": D(2025, 1, 27), "close": 118.4091},
    {"ticker": "AVGO", "date": D(2025, 1, 27), "close": 200.7031},
    {"ticker": "NVDA", "date": D(2025, 1, 23), "close": 147.2065},
    {"ticker": "AVGO", "date": D(2025, 1, 24), "close": 242.9726},
    {"ticker": "NVDA", "date": D(2025, 1, 24), "close": 142.6069},
    {"ticker": "AVGO", "date": D(2025, 1, 23), "close": 241.0},
]
CLAIMS = [
    claim("NVDA", "shares_outstanding", "market", 24.804e9, D(2025, 1, 26), claim_id="nvda-n"),
    claim("AVGO", "shares_outstanding", "market", 4.67e9, D(2024, 9, 13), claim_id="avgo-n"),
    claim("NVDA", "market_cap_change", "one_day", -589e9, D(2025, 1, 27)),
    claim("pair", "market_cap_change", "one_day", -789e9, D(2025, 1, 27)),
]
SUBJECTS = [
    {"subject": "NVDA", "kind": "ticker"},
    {"subject": "AVGO", "kind": "ticker"},
    {"subject": "pair", "kind": "group", "members": ["NVDA", "AVGO"]},
]


def moves(**options: Any) -> pl.DataFrame:
    evidence = make_evidence(CLAIMS, subjects=SUBJECTS, prices=PRICES, today=D(2025, 2, 1))
    estimates, statuses = run_plugin(market_cap_move, evidence, **options)
    assert [s.status for s in statuses] == ["ok"], statuses
    return estimates


def recorded(row: dict[str, Any], name: str) -> Any:
    return json.loads(row["parameters"])[name]["value"]


def one(frame: pl.DataFrame, subject: str, metric: str, scope: str = "one_day") -> dict[str, Any]:
    (row,) = frame.filter(
        (pl.col("subject") == subject) & (pl.col("metric") == metric) & (pl.col("scope") == scope)
    ).to_dicts()
    return row


def test_each_close_is_paired_with_the_previous_trading_days_of_its_ticker() -> None:
    closes = market_cap_move._closes(pl.DataFrame(PRICES))
    assert closes.select("ticker", "date", "previous_date", "previous_close").rows() == [
        ("AVGO", D(2025, 1, 23), None, None),
        ("AVGO", D(2025, 1, 24), D(2025, 1, 23), 241.0),
        ("AVGO", D(2025, 1, 27), D(2025, 1, 24), 242.9726),
        ("NVDA", D(2025, 1, 23), None, None),
        ("NVDA", D(2025, 1, 24), D(2025, 1, 23), 147.2065),
        ("NVDA", D(2025, 1, 27), D(2025, 1, 24), 142.6069),
    ]


def test_a_group_move_records_each_members_closes_and_shares_by_ticker() -> None:
    pair = one(moves(), "pair", "market_cap_change")
    assert recorded(pair, "closes") == [
        {
            "ticker": "AVGO",
            "date": "2025-01-27",
            "close": 200.7031,
            "base_date": "2025-01-24",
            "base_close": 242.9726,
            "shares": 4.67e9,
        },
        {
            "ticker": "NVDA",
            "date": "2025-01-27",
            "close": 118.4091,
            "base_date": "2025-01-24",
            "base_close": 142.6069,
            "shares": 24.804e9,
        },
    ]
    assert pair["value"] == pytest.approx(
        (200.7031 - 242.9726) * 4.67e9 + (118.4091 - 142.6069) * 24.804e9
    )


def test_a_price_change_records_the_close_and_the_previous_trading_days() -> None:
    change = one(moves(), "NVDA", "price_change")
    assert [recorded(change, k) for k in ("date", "close", "previous_date", "previous_close")] == [
        "2025-01-27",
        118.4091,
        "2025-01-24",
        142.6069,
    ]
    assert change["value"] == pytest.approx(118.4091 / 142.6069 - 1)


def test_a_window_records_its_ends_and_the_closes_it_used() -> None:
    window = one(
        moves(windows=[(D(2025, 1, 24), D(2025, 1, 27))]), "NVDA", "market_cap_change", "window"
    )
    assert recorded(window, "window_start") == "2025-01-24"
    assert recorded(window, "window_end") == "2025-01-27"
    (close,) = recorded(window, "closes")
    assert (close["date"], close["base_date"], close["base_close"]) == (
        "2025-01-27",
        "2025-01-23",
        147.2065,
    )
    assert window["value"] == pytest.approx((118.4091 - 147.2065) * 24.804e9)


def test_a_window_is_checked_to_start_no_later_than_it_ends() -> None:
    assert market_cap_move.window(D(2025, 1, 24), D(2025, 1, 27)) == (
        D(2025, 1, 24),
        D(2025, 1, 27),
    )
    assert market_cap_move.window(D(2025, 1, 27), D(2025, 1, 27)) == (
        D(2025, 1, 27),
        D(2025, 1, 27),
    )
    with pytest.raises(ValueError) as reversed_window:
        market_cap_move.window(D(2025, 1, 28), D(2025, 1, 27))
    assert str(reversed_window.value) == "window start 2025-01-28 is after its end 2025-01-27"


def corners(close: float, base: float, shares: tuple[float, float]) -> tuple[float, float]:
    """The move's range: each close +-0.1%, the share count over its range."""
    u = 0.001
    deltas = (close * (1 - u) - base * (1 + u), close * (1 + u) - base * (1 - u))
    products = [d * n for d in deltas for n in shares]
    return min(products), max(products)


def test_a_moves_range_comes_from_the_closes_and_the_share_count() -> None:
    nvda = one(moves(), "NVDA", "market_cap_change")
    low, high = corners(118.4091, 142.6069, (24.804e9 * 0.98, 24.804e9 * 1.02))
    assert (nvda["low"], nvda["high"]) == pytest.approx((low, high), rel=1e-12)
    assert nvda["note"] == (
        "close-to-close change x shares outstanding (sum over members for a group)"
    )


def test_a_share_count_claimed_as_a_range_keeps_its_own_range() -> None:
    ranged = claim(
        "AVGO", "shares_outstanding", "market", 4.67e9, D(2024, 9, 13), low=4.6e9, high=4.7e9
    )
    evidence = make_evidence(
        [ranged, CLAIMS[0], *CLAIMS[2:]], subjects=SUBJECTS, prices=PRICES, today=D(2025, 2, 1)
    )
    estimates, _ = run_plugin(market_cap_move, evidence)
    pair = one(estimates, "pair", "market_cap_change")
    avgo = corners(200.7031, 242.9726, (4.6e9, 4.7e9))
    nvda = corners(118.4091, 142.6069, (24.804e9 * 0.98, 24.804e9 * 1.02))
    assert (pair["low"], pair["high"]) == pytest.approx(
        (avgo[0] + nvda[0], avgo[1] + nvda[1]), rel=1e-12
    )


def test_a_claim_naming_its_trading_day_decides_the_day_over_one_that_does_not() -> None:
    named = claim("NVDA", "price_change", "one_day", -0.03, D(2025, 1, 27), qualifier="2025-01-24")
    evidence = make_evidence(
        [*CLAIMS, named], subjects=SUBJECTS, prices=PRICES, today=D(2025, 2, 1)
    )
    estimates, _ = run_plugin(market_cap_move, evidence)
    nvda = one(estimates, "NVDA", "market_cap_change")  # one estimate for the date, not two
    assert nvda["as_of"] == D(2025, 1, 27)
    assert nvda["value"] == pytest.approx((142.6069 - 147.2065) * 24.804e9)
    assert recorded(one(estimates, "NVDA", "price_change"), "date") == "2025-01-24"


def test_a_qualifier_that_is_not_a_day_leaves_the_claims_own_date() -> None:
    noted = claim("NVDA", "market_cap_change", "one_day", -589e9, D(2025, 1, 27), qualifier="close")
    evidence = make_evidence(
        [noted, *CLAIMS[:2]], subjects=SUBJECTS, prices=PRICES, today=D(2025, 2, 1)
    )
    estimates, _ = run_plugin(market_cap_move, evidence)
    nvda = one(estimates, "NVDA", "market_cap_change")
    assert nvda["value"] == pytest.approx((118.4091 - 142.6069) * 24.804e9)


def test_a_price_changes_range_and_note() -> None:
    change = one(moves(), "NVDA", "price_change")
    ratio, u = 118.4091 / 142.6069, 0.001
    assert (change["low"], change["high"]) == pytest.approx(
        (ratio * (1 - u) / (1 + u) - 1, ratio * (1 + u) / (1 - u) - 1), rel=1e-12
    )
    assert change["note"] == "close / previous trading day's close - 1"
    assert change["unit"] == "ratio"


def test_only_tickers_get_a_price_change_and_a_penny_stock_gets_one_too() -> None:
    penny = [
        {"ticker": "PNY", "date": D(2025, 1, 24), "close": 0.5},
        {"ticker": "PNY", "date": D(2025, 1, 27), "close": 0.4},
    ]
    claims = [
        *CLAIMS,
        claim("PNY", "shares_outstanding", "market", 1e6, D(2025, 1, 1)),
        claim("PNY", "price_change", "one_day", -0.2, D(2025, 1, 27)),
    ]
    evidence = make_evidence(
        claims, subjects=[*SUBJECTS, {"subject": "PNY", "kind": "ticker"}], prices=PRICES + penny
    )
    estimates, _ = run_plugin(market_cap_move, evidence)
    changes = estimates.filter(pl.col("metric") == "price_change")
    assert sorted(changes["subject"]) == ["NVDA", "PNY"]
    assert one(estimates, "PNY", "price_change")["value"] == pytest.approx(0.4 / 0.5 - 1)


def test_a_close_five_days_old_still_makes_a_move_and_a_six_day_old_one_does_not() -> None:
    prices = [
        {"ticker": "NVDA", "date": D(2025, 1, 9), "close": 100.0},
        {"ticker": "NVDA", "date": D(2025, 1, 10), "close": 110.0},
    ]
    claims = [
        claim("NVDA", "shares_outstanding", "market", 24.804e9, D(2025, 1, 1)),
        claim("NVDA", "market_cap", "market", 3e12, D(2025, 1, 15)),  # 10 Jan + 5 days
        claim("NVDA", "market_cap", "market", 3e12, D(2025, 1, 16)),
    ]
    evidence = make_evidence(claims, subjects=SUBJECTS, prices=prices, today=D(2025, 2, 1))
    windows = [(D(2025, 1, 10), D(2025, 1, 15)), (D(2025, 1, 10), D(2025, 1, 16))]
    estimates, _ = run_plugin(market_cap_move, evidence, windows=windows)
    one_day = estimates.filter(pl.col("scope") == "one_day")
    assert one_day.filter(pl.col("metric") == "market_cap_change")["as_of"].to_list() == [
        D(2025, 1, 15)
    ]
    assert estimates.filter(pl.col("scope") == "window")["as_of"].to_list() == [D(2025, 1, 15)]


def test_a_window_asked_twice_is_made_once_with_its_range_and_note() -> None:
    asked = (D(2025, 1, 24), D(2025, 1, 27))
    window = one(moves(windows=[asked, asked]), "NVDA", "market_cap_change", "window")
    low, high = corners(118.4091, 147.2065, (24.804e9 * 0.98, 24.804e9 * 1.02))
    assert (window["low"], window["high"]) == pytest.approx((low, high), rel=1e-12)
    assert window["note"] == (
        "market-cap change from the close before 2025-01-24 to the close of 2025-01-27"
    )
    assert window["inputs"] == ["nvda-n"]


def test_a_group_gets_no_window_when_a_member_has_no_close_before_its_start() -> None:
    early = [{"ticker": "NVDA", "date": D(2025, 1, 22), "close": 150.0}]
    evidence = make_evidence(CLAIMS, subjects=SUBJECTS, prices=PRICES + early, today=D(2025, 2, 1))
    estimates, _ = run_plugin(market_cap_move, evidence, windows=[(D(2025, 1, 23), D(2025, 1, 27))])
    windows = estimates.filter(pl.col("scope") == "window")
    assert sorted(windows["subject"]) == ["NVDA"]  # AVGO's series starts on the 23rd
    assert one(estimates, "NVDA", "market_cap_change", "window")["value"] == pytest.approx(
        (118.4091 - 150.0) * 24.804e9
    )


def test_a_groups_move_is_dated_by_its_members_market_not_only_by_a_later_claim() -> None:
    """CNBC stated Nvidia + Broadcom's combined loss on 31 January, about the 27th: the pair's
    move exists at the 27th, where NVDA's does (its claims are dated by the market), as well
    as at CNBC's date."""
    cnbc = claim(
        "pair", "market_cap_change", "one_day", -800e9, D(2025, 1, 31), qualifier="2025-01-27"
    )
    evidence = make_evidence(
        [*CLAIMS[:3], cnbc], subjects=SUBJECTS, prices=PRICES, today=D(2025, 2, 1)
    )
    estimates, _ = run_plugin(market_cap_move, evidence)
    pair = estimates.filter(
        (pl.col("subject") == "pair") & (pl.col("metric") == "market_cap_change")
    )
    by_date = dict(pair.select("as_of", "value").iter_rows())
    nvda = (118.4091 - 142.6069) * 24.804e9
    avgo = (200.7031 - 242.9726) * 4.67e9
    assert sorted(by_date) == [D(2025, 1, 27), D(2025, 1, 31)]
    assert by_date[D(2025, 1, 27)] == pytest.approx(nvda + avgo)
    assert by_date[D(2025, 1, 31)] == pytest.approx(by_date[D(2025, 1, 27)])
    assert one(estimates, "NVDA", "market_cap_change")["as_of"] == D(2025, 1, 27)
    # The 27th's move rests on the claims stated by the 27th alone (no later claim made it).
    assert_conforms(market_cap_move.ESTIMATOR, evidence)
