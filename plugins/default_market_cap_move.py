"""market_cap_move: close-to-close change x shares outstanding, for a ticker or a group.

- ``market_cap_change`` / ``one_day``, at each date a ticker or group has a market-cap claim
  (market_cap, market_cap_change or price_change): (close of the last trading day on or
  before that date - the close of the trading day before it) x the shares outstanding
  claimed as of that date. A claim published after the day it describes names that trading
  day in its qualifier (``2025-01-27``); the move is then that day's, still reported at the
  claim's date (evidence time). A group sums its members; if a member lacks a close or a share
  count, the group gets no estimate. A group's move is dated by its market as well as by the
  claims about the group: it is made at each date one of its members has a market claim (the
  trading day as that claim names it), so Nvidia + Broadcom's move of 27 January 2025 exists
  at 2025-01-27 like NVDA's, not only at CNBC's 2025-01-31. Only claims stated by then make
  those dates, so an earlier move never depends on a later claim.
- ``price_change`` / ``one_day`` for a ticker on the same dates: close / previous close - 1.
- ``market_cap_change`` / ``window`` for every window (start, end) the caller asks for
  (``Parameters.windows``): close of the last trading day on or before ``end`` - close of the
  last trading day before ``start``, x shares as of ``end``; ``as_of`` is ``end``. A window
  of one trading day equals that day's one-day move.

Only closes up to the date are used. A move whose last trading day is more than
``STALE_DAYS`` before the date (or the window's end) is not made: the series has stopped. The range comes
from the share count (the claim's own range, else +-shares_uncertainty) and from the closes
(+-close_uncertainty: outlets report slightly different closes). Closes of a
dividend-adjusted series move by the same ratio as nominal ones unless an ex-dividend date
falls inside the window.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from costboard import hookimpl
from costboard.plugins.estimator import Estimator, empty_estimates, to_estimates
from costboard.plugins.evidence import Evidence, pick
from costboard.plugins.parameters import Parameter, Parameters

NAME = "market_cap_move"
# 1.1: a one-day claim's qualifier names the trading day it describes; 1.2: a group's one-day
# move is made at its members' market-claim dates too.
VERSION = "1.2"

#: A move is made only from a close at most this many days before the date (weekends and
#: holidays leave gaps of up to four days).
STALE_DAYS: Final = 5
MARKET_METRICS: Final = ("market_cap", "market_cap_change", "price_change")

SHARES_UNCERTAINTY = Parameter(
    "shares_uncertainty",
    0.02,
    0.02,
    0.02,
    "ratio",
    "NVDA shares outstanding 24.4B (basic) vs 24.804B (Macrotrends, with dilution) differ by "
    "1.6% (marketdata.md §1b); rounded up to +-2%",
    description="relative uncertainty of a shares-outstanding count",
)
CLOSE_UNCERTAINTY = Parameter(
    "close_uncertainty",
    0.001,
    0.001,
    0.001,
    "ratio",
    "NVDA's 27 Jan 2025 close as reported: $118.42 / $118.51 / $118.58, up to 0.14% apart "
    "(marketdata.md caveat 3); +-0.1% on each close",
    description="relative uncertainty of a reported closing price",
)


def _closes(prices: pl.DataFrame) -> pl.DataFrame:
    """Daily closes with the previous trading day's close beside each."""
    return prices.sort("ticker", "date").with_columns(
        pl.col("close").shift(1).over("ticker").alias("previous_close"),
        pl.col("date").shift(1).over("ticker").alias("previous_date"),
    )


def _close_on_or_before(
    wanted: pl.DataFrame, closes: pl.DataFrame, on: str, *, strict: bool = False
) -> pl.DataFrame:
    """``wanted`` (ticker, ``on``) with the last trading row on or before (``strict``: before) ``on``."""
    return wanted.sort(on).join_asof(
        closes.sort("date"),
        left_on=on,
        right_on="date",
        by="ticker",
        strategy="backward",
        allow_exact_matches=not strict,
        check_sortedness=False,
    )


def _shares(evidence: Evidence, wanted: pl.DataFrame, on: str) -> pl.DataFrame:
    """``wanted`` (ticker, ``on``) with the shares-outstanding claim in force on that date."""
    shares = (
        pick(evidence.frame, "shares_outstanding", name="shares")
        .rename({"subject": "ticker", "as_of": "_evidence_date"})
        .drop("shares_qualifier", "shares_stated_on")
    )
    # The evidence dates bracket every claim, so the latest evidence date on or before ``on``
    # carries the latest claim stated on or before it.
    return wanted.sort(on).join_asof(
        shares.sort("_evidence_date"),
        left_on=on,
        right_on="_evidence_date",
        by="ticker",
        strategy="backward",
        check_sortedness=False,
    )


def _members(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per (subject, ..., ticker): a ticker is its own member, a group has its list."""
    return rows.with_columns(
        pl.when(pl.col("subject_kind") == "group")
        .then(pl.col("members"))
        .otherwise(pl.concat_list(pl.col("subject")))
        .alias("ticker")
    ).explode("ticker")


def _sum_members(per_ticker: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Group moves summed over members; a group with any member missing gets nothing."""
    return (
        per_ticker.group_by(keys)
        .agg(
            pl.col("move").sum(),
            pl.col("move_low").sum(),
            pl.col("move_high").sum(),
            pl.col("move").null_count().alias("_missing"),
            pl.col("shares_claim_id").drop_nulls().unique().sort().alias("shares_claim_ids"),
            pl.struct("ticker", "date", "close", "base_date", "base_close", "shares")
            .sort_by("ticker")
            .alias("closes"),
        )
        .filter(pl.col("_missing") == 0)
        .drop("_missing")
    )


def _with_move(per_ticker: pl.DataFrame, params: Parameters) -> pl.DataFrame:
    """Add ``move`` and its range: each close +-close_uncertainty, shares +-shares_uncertainty
    (a share count claimed as a range keeps its own range)."""
    u_close = params[CLOSE_UNCERTAINTY.name].value
    u_shares = params[SHARES_UNCERTAINTY.name].value
    close, base, shares = pl.col("close"), pl.col("base_close"), pl.col("shares")
    delta_low = close * (1 - u_close) - base * (1 + u_close)
    delta_high = close * (1 + u_close) - base * (1 - u_close)
    point = pl.col("shares_low") == pl.col("shares_high")
    shares_low = pl.when(point).then(shares * (1 - u_shares)).otherwise(pl.col("shares_low"))
    shares_high = pl.when(point).then(shares * (1 + u_shares)).otherwise(pl.col("shares_high"))
    corners = [d * n for d in (delta_low, delta_high) for n in (shares_low, shares_high)]
    return per_ticker.with_columns(
        ((close - base) * shares).alias("move"),
        pl.min_horizontal(corners).alias("move_low"),
        pl.max_horizontal(corners).alias("move_high"),
    )


def _market_claim_dates(evidence: Evidence) -> pl.DataFrame:
    """Each ticker's and group's market claims at the date they were stated (the day each
    describes, when its qualifier names one); a group has its members' as well as its own."""
    claims = (
        evidence.frame.filter(
            pl.col("subject_kind").is_in(["ticker", "group"])
            & pl.col("metric").is_in(MARKET_METRICS)
            & (pl.col("stated_on") == pl.col("as_of"))
        )
        .with_columns(
            pl.col("qualifier")
            .str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            .alias("described_day")
        )
        .select("subject", "subject_kind", "members", "as_of", "described_day")
    )
    groups = evidence.subjects.filter(pl.col("kind") == "group").select(
        pl.col("subject").alias("group"), "members", pl.col("members").alias("member")
    )
    # The market moved the group on the days it moved a member: the member's claim dates it.
    by_members = (
        claims.filter(pl.col("subject_kind") == "ticker")
        .drop("members")
        .join(groups.explode("member"), left_on="subject", right_on="member")
        .select(
            pl.col("group").alias("subject"),
            pl.lit("group").alias("subject_kind"),
            "members",
            "as_of",
            "described_day",
        )
    )
    return pl.concat([claims, by_members.cast(claims.schema)])


def one_day(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    claim_dates = (
        _market_claim_dates(evidence)
        # A claim that names the day it describes decides the date's trading day.
        .sort("described_day", nulls_last=True)
        .unique(["subject", "as_of"], keep="first")
        .with_columns(pl.coalesce("described_day", "as_of").alias("trading_day"))
        .select("subject", "subject_kind", "members", "as_of", "trading_day")
    )
    if claim_dates.is_empty():
        return empty_estimates()
    closes = _closes(evidence.prices)
    per_ticker = _close_on_or_before(_members(claim_dates), closes, "trading_day").rename(
        {"previous_close": "base_close", "previous_date": "base_date"}
    )
    fresh = pl.col("date") >= pl.col("trading_day") - pl.duration(days=STALE_DAYS)
    per_ticker = per_ticker.with_columns(
        pl.when(fresh).then(pl.col("close")).alias("close"),
        pl.when(fresh).then(pl.col("base_close")).alias("base_close"),
    )
    per_ticker = _with_move(_shares(evidence, per_ticker, "as_of"), params)
    keys = ["subject", "subject_kind", "as_of"]
    grouped = params.attach(
        _sum_members(per_ticker, keys), evidence, SHARES_UNCERTAINTY.name, CLOSE_UNCERTAINTY.name
    )
    cap = to_estimates(
        grouped,
        metric="market_cap_change",
        scope="one_day",
        value=pl.col("move"),
        low=pl.col("move_low"),
        high=pl.col("move_high"),
        derived={"closes": pl.col("closes")},
        parameters=[SHARES_UNCERTAINTY.name, CLOSE_UNCERTAINTY.name],
        inputs=["shares_claim_ids"],
        note=pl.lit("close-to-close change x shares outstanding (sum over members for a group)"),
    )
    tickers = params.attach(
        per_ticker.filter(pl.col("subject_kind") == "ticker"), evidence, CLOSE_UNCERTAINTY.name
    )
    u = params[CLOSE_UNCERTAINTY.name].value
    ratio = pl.when(pl.col("base_close") > 0).then(pl.col("close") / pl.col("base_close"))
    price = to_estimates(
        tickers,
        metric="price_change",
        scope="one_day",
        value=ratio - 1.0,
        low=ratio * (1 - u) / (1 + u) - 1.0,
        high=ratio * (1 + u) / (1 - u) - 1.0,
        parameters=[CLOSE_UNCERTAINTY.name],
        derived={
            "close": pl.col("close"),
            "date": pl.col("date"),
            "previous_close": pl.col("base_close"),
            "previous_date": pl.col("base_date"),
        },
        note=pl.lit("close / previous trading day's close - 1"),
    )
    return pl.concat([cap, price])


def windows(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    if not params.windows:
        return empty_estimates()
    subjects = evidence.subjects.filter(pl.col("kind").is_in(["ticker", "group"])).select(
        "subject", pl.col("kind").alias("subject_kind"), "members"
    )
    asked = pl.DataFrame(
        {
            "window_start": [start for start, _ in params.windows],
            "as_of": [end for _, end in params.windows],
        },
        schema={"window_start": pl.Date, "as_of": pl.Date},
    ).unique()
    rows = _members(subjects.join(asked, how="cross"))
    closes = _closes(evidence.prices).select("ticker", "date", "close")
    keys = ["subject", "subject_kind", "as_of", "window_start"]
    end = _close_on_or_before(rows, closes, "as_of")
    start = _close_on_or_before(
        rows.select(*keys, "ticker"), closes, "window_start", strict=True
    ).select(
        *keys, "ticker", pl.col("date").alias("base_date"), pl.col("close").alias("base_close")
    )
    # A member with no (recent) close inside the window stays, with no move, so its group
    # is skipped.
    inside = (pl.col("date") >= pl.col("window_start")) & (
        pl.col("date") >= pl.col("as_of") - pl.duration(days=STALE_DAYS)
    )
    per_ticker = end.join(start, on=[*keys, "ticker"], how="left").with_columns(
        pl.when(inside).then(pl.col("close")).alias("close")
    )
    per_ticker = _with_move(_shares(evidence, per_ticker, "as_of"), params)
    grouped = params.attach(
        _sum_members(per_ticker, keys), evidence, SHARES_UNCERTAINTY.name, CLOSE_UNCERTAINTY.name
    )
    return to_estimates(
        grouped,
        metric="market_cap_change",
        scope="window",
        value=pl.col("move"),
        low=pl.col("move_low"),
        high=pl.col("move_high"),
        derived={
            "window_start": pl.col("window_start"),
            "window_end": pl.col("as_of"),
            "closes": pl.col("closes"),
        },
        parameters=[SHARES_UNCERTAINTY.name, CLOSE_UNCERTAINTY.name],
        inputs=["shares_claim_ids"],
        note=pl.format(
            "market-cap change from the close before {} to the close of {}",
            pl.col("window_start"),
            pl.col("as_of"),
        ),
    )


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    return pl.concat([one_day(evidence, params), windows(evidence, params)])


def window(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """A window to pass in ``windows=`` (checked: start <= end)."""
    if start > end:
        raise ValueError(f"window start {start} is after its end {end}")
    return (start, end)


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(
        ("market_cap_change", "one_day"),
        ("price_change", "one_day"),
        ("market_cap_change", "window"),
    ),
    parameters=(SHARES_UNCERTAINTY, CLOSE_UNCERTAINTY),
    description=(
        "Close-to-close change x shares outstanding, for a ticker or a group, at each "
        "market-cap claim's date and over any window asked for."
    ),
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
