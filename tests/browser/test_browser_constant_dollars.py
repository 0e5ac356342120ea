"""The overview's dollars toggle in a real browser: a link with usd_of opens in constant
dollars of that month, and switching to nominal takes usd_of out of the address bar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from selenium.webdriver.common.by import By

from costboard.warehouse.demo import seed_file
from tests.browser.conftest import Browser

READY = ("#overview-charts .js-plotly-plot",)
INDEX = pl.read_csv(seed_file("epoch/PCU518210518210.csv"), try_parse_dates=True)


def index_of(month: str) -> float:
    day = dt.date.fromisoformat(month + "-01")
    return float(INDEX.filter(pl.col("observation_date") == day)[0, 1])


def claim_points(browser: Browser) -> list[float]:
    """The y of every claim marker on DeepSeek-V3's training-cost charts."""
    figures: list[dict[str, Any]] = browser.figures("#overview-charts")
    return sorted(
        y
        for f in figures
        if (f["subject"], f["metric"]) == ("deepseek-v3", "training_cost")
        for t in f["traces"]
        if t["meta"]["kind"] == "claims"
        for y in t["y"]
    )


def test_a_constant_dollar_link_converts_the_claims_and_the_toggle_leaves_the_url(
    browser: Browser,
) -> None:
    browser.open("/?subject=deepseek-v3", *READY)
    nominal = claim_points(browser)
    assert nominal and "usd_of" not in browser.search

    browser.open("/?subject=deepseek-v3&usd_of=2021-06", *READY)
    browser.wait_until("window.location.search.indexOf('usd_of=2021-06') >= 0")
    # deepseek-v3 was published in December 2024: every claim converts by one factor
    factor = index_of("2021-06") / index_of("2024-12")
    assert claim_points(browser) == pytest.approx([y * factor for y in nominal])
    checked = browser.driver.find_element(By.CSS_SELECTOR, "#overview-dollars input:checked")
    assert checked.get_attribute("value") == "constant"

    nominal_radio = browser.driver.find_element(
        By.CSS_SELECTOR, "#overview-dollars input[value='nominal']"
    )
    nominal_radio.click()
    browser.wait_until("window.location.search.indexOf('usd_of') < 0")
    browser.wait_for(*READY)
    assert claim_points(browser) == pytest.approx(nominal)
    assert browser.console_errors() == []
