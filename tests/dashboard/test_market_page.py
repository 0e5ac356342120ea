"""The market page (dashboard/pages/market.py) opens on the chosen claim's event window, the
DeepSeek selloff of 27 January 2025 on the demo, not on 2000-2025: the price index (monthly
since 2000) is not a market ticker; and the chart marks only the event window's claim dates
(issue 19, item 5). On a copy of the demo warehouse; in a browser:
tests/browser/test_browser_charts.py."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import dash
import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard.app import create_app
from costboard.warehouse import constant_dollars
from costboard.warehouse.config import WarehouseConfig

SELLOFF = dt.date(2025, 1, 27)
#: CNBC's combined Nvidia + Broadcom loss: run on 31 January, qualified with 27 January.
COMBINED = "cnbc-nvidia-broadcom-mcap-change"


@pytest.fixture(scope="module")
def app(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    home = tmp_path_factory.mktemp("market-page") / "home"
    shutil.copytree(demo_home_template, home)
    config = WarehouseConfig.resolve(home)
    return create_app(config, cache=SimpleCache(threshold=0), warm=False)


@pytest.fixture
def market(app: dash.Dash) -> Iterator[ModuleType]:
    with app.server.test_request_context("/market"):
        yield importlib.import_module("costboard.dashboard.pages.market")


def tickers(*rows: tuple[str, dt.date, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["ticker", "first_date", "last_date"], orient="row")


def test_the_price_index_does_not_stretch_the_default_range(market: ModuleType) -> None:
    frame = tickers(
        ("NVDA", dt.date(2025, 1, 2), dt.date(2025, 2, 28)),
        (constant_dollars.SERIES, dt.date(2000, 12, 1), dt.date(2025, 6, 1)),
    )
    view = market.default_view(frame)
    assert view.tickers == ["NVDA"]
    assert (view.start, view.end, view.event) == (
        SELLOFF - market.EVENT_MARGIN,
        SELLOFF + market.EVENT_MARGIN,
        SELLOFF,
    )
    # a chosen claim's day, clipped to the prices; a day they do not cover falls back
    assert market.default_view(frame, dt.date(2025, 2, 20)).end == dt.date(2025, 2, 28)
    assert market.default_view(frame, dt.date(2019, 1, 1)).event == SELLOFF


def test_the_demo_opens_on_the_selloff_with_only_its_claim_dates_marked(
    market: ModuleType,
) -> None:
    reader = market.ui.reader()
    snapshot = reader.latest_id()
    view = market.default_view(reader.tickers(snapshot))
    assert constant_dollars.SERIES not in view.tickers and "NVDA" in view.tickers
    assert (view.start, view.end, view.event) == (
        dt.date(2025, 1, 13),
        dt.date(2025, 2, 10),
        SELLOFF,
    )
    day = view.event.isoformat()
    chart, *_ = market.update(
        snapshot, view.tickers, "indexed", view.start.isoformat(), view.end.isoformat(), day, day
    )
    figure = chart.figure
    lines = {shape["x0"] for shape in figure["layout"]["shapes"]}
    # the selloff and the next day's reports; the chart's other 15 claim dates are not drawn
    assert lines == {SELLOFF, SELLOFF + dt.timedelta(days=1)}
    (events,) = [t for t in figure["data"] if t["meta"]["kind"] == "events"]
    assert set(events["x"]) == lines
    dates = [d for t in figure["data"] if t["meta"]["kind"] == "ticker" for d in t["x"]]
    assert min(dates) >= view.start and max(dates) <= view.end


def test_a_chosen_claim_opens_on_the_day_it_is_about(market: ModuleType) -> None:
    snapshot = market.ui.reader().latest_id()
    assert market.claim_day(snapshot, COMBINED) == SELLOFF
    assert market.claim_day(snapshot, "no-such-claim") is None
