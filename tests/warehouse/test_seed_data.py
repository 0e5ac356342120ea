"""The demo warehouse: the real, sourced figures, loaded one snapshot per evidence date."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from costboard.warehouse import demo, lake
from costboard.warehouse.config import WarehouseConfig


@pytest.fixture
def connection(demo_home_template):  # type: ignore[no-untyped-def]
    with lake.connect(WarehouseConfig.resolve(demo_home_template)) as connection:
        yield connection


def test_every_seed_claim_keeps_an_http_source_a_claimant_and_a_date(connection) -> None:  # type: ignore[no-untyped-def]
    claims = connection.execute("SELECT * FROM claims").pl()
    seed_ids = pl.read_csv(demo.seed_file("claims.csv"))["claim_id"]
    assert claims["claim_id"].is_in(seed_ids.implode()).sum() == seed_ids.len()
    assert claims["source_url"].str.contains(r"^https?://").all()
    assert claims["claimant"].is_not_null().all() and claims["stated_on"].is_not_null().all()
    assert (claims["stated_on"] <= dt.date.today()).all()


def test_the_demo_history_has_one_snapshot_per_evidence_date_in_order(connection) -> None:  # type: ignore[no-untyped-def]
    dates = pl.read_csv(demo.seed_file("claims.csv"))["stated_on"].n_unique()
    demo_snapshots = connection.execute(
        "SELECT message FROM snapshots WHERE author = 'costboard demo' ORDER BY snapshot_id"
    ).fetchall()
    ingests = [m for (m,) in demo_snapshots if m.startswith("demo: evidence of ")]
    assert len(ingests) == dates
    evidence_dates = [m.split()[3].rstrip(":") for m in ingests]
    assert evidence_dates == sorted(evidence_dates)
    # then Epoch AI's databases, as one snapshot after the DeepSeek history
    assert demo_snapshots[-1] == (demo.EPOCH_MESSAGE,)


@pytest.mark.parametrize(
    ("subject", "metric", "scope", "value"),
    [
        ("deepseek-v3", "training_cost", "final_run", 5_576_000),
        ("deepseek-v3", "gpu_hours", "final_run", 2_788_000),
        ("deepseek-r1", "training_cost", "final_run", 294_000),
        ("deepseek", "server_capex", "fleet_capex", 1.6e9),
        ("deepseek", "operating_cost", "fleet_opex", 944e6),
        ("NVDA", "market_cap_change", "one_day", -589e9),
    ],
)
def test_the_story_s_headline_figures_are_there_with_their_sources(
    connection, subject, metric, scope, value
) -> None:  # type: ignore[no-untyped-def]
    found = connection.execute(
        "SELECT value, source_url FROM claims WHERE subject = ? AND metric = ? AND scope = ? AND value = ?",
        [subject, metric, scope, value],
    ).fetchall()
    assert found and all(url.startswith("http") for _, url in found)


def test_the_800b_combined_loss_is_cnbcs_own_approximate_statement_of_the_27th(connection) -> None:  # type: ignore[no-untyped-def]
    (row,) = connection.execute(
        "SELECT c.claimant, c.value, c.bound, c.qualifier, c.quote, s.members "
        "FROM claims c JOIN subjects s USING (subject) "
        "WHERE c.subject = 'nvidia-broadcom' AND c.metric = 'market_cap_change'"
    ).fetchall()
    assert row == (
        "CNBC",
        -800e9,
        "approximate",
        "2025-01-27",
        "losing a combined $800 billion in market cap on Monday",
        ["NVDA", "AVGO"],
    )


def test_prices_cover_january_and_february_2025_with_adjusted_flags(connection) -> None:  # type: ignore[no-untyped-def]
    rows = dict(
        connection.execute(
            "SELECT ticker, count(*) FROM prices WHERE date BETWEEN '2025-01-02' AND '2025-02-28' GROUP BY 1"
        ).fetchall()
    )
    # the market data, and the price index Epoch AI uses for constant dollars (monthly)
    assert rows == {"NVDA": 39, "AVGO": 39, "^IXIC": 39, "PCU518210518210": 1}
    flags = dict(
        connection.execute("SELECT ticker, bool_and(adjusted) FROM prices GROUP BY 1").fetchall()
    )
    assert {t: flags[t] for t in ("NVDA", "AVGO", "^IXIC")} == {
        "NVDA": True,
        "AVGO": True,
        "^IXIC": False,
    }


def test_market_caps_turn_closes_into_the_reported_one_day_loss(connection) -> None:  # type: ignore[no-untyped-def]
    before, after = connection.execute(
        "SELECT market_cap FROM market_caps WHERE ticker = 'NVDA' AND date IN ('2025-01-24', '2025-01-27') ORDER BY date"
    ).fetchall()
    loss = before[0] - after[0]
    # Bloomberg $589B, LSEG $592.7B, CNBC >$595B: shares-outstanding figures differ by ~2%.
    assert 580e9 < loss < 610e9
