"""The grids' JavaScript number formatter (dashboard/assets/dashAgGridFunctions.js,
``costboardNumber``) says what warehouse/numbers.py says, in the real headless Chromium, on
the asset the dashboard serves: the case table of tests/warehouse/test_numbers.py, and
random figures beyond it. (What the grids draw with it: test_browser_pages.py and
test_browser_permalink.py.)"""

from __future__ import annotations

import random

import polars as pl

from costboard.warehouse.numbers import number_expr
from tests.browser.conftest import Browser
from tests.warehouse.test_numbers import CASES

LOADED = 'typeof (window.dashAgGridFunctions || {}).costboardNumber === "function"'
FORMAT_ALL = (
    "return arguments[0].map(([v, ...rest]) =>"
    " window.dashAgGridFunctions.costboardNumber(v === 'NaN' ? NaN : v, ...rest))"
)


def _open(browser: Browser) -> None:
    browser.open("/claims", "[id*='claims'] .ag-row")
    browser.wait_until(LOADED)


def test_the_javascript_formatter_reads_the_case_table_as_python_does(browser: Browser) -> None:
    _open(browser)
    # WebDriver's JSON has no NaN: it crosses as text and turns back into NaN in the page.
    sent = [["NaN" if c.value != c.value else c.value, *c[1:4]] for c in CASES]
    shown = browser.driver.execute_script(FORMAT_ALL, sent)
    expected = [c.text for c in CASES]
    assert [(c, s) for c, s, e in zip(CASES, shown, expected, strict=True) if s != e] == [], (
        "JavaScript and Python disagree"
    )


def test_the_javascript_formatter_agrees_on_thousands_of_random_figures(
    browser: Browser,
) -> None:
    """Beyond the table: random sizes from 10^-8 to 10^26 in every base unit family."""
    _open(browser)
    draw = random.Random(19)
    units = ["usd", "usd_per_gpu_hour", "count", "gpu_hours", "flop", "ratio", "hours", None]
    cases = []
    for _ in range(1500):
        size = 10 ** draw.uniform(-8, 26) * draw.choice([1, -1])
        for value in (size, round(draw.uniform(0, 10_000), draw.randint(0, 4))):
            bound = draw.choice([None, "lower", "upper", "approximate", "exact"])
            cases.append([value, draw.choice(units), bound, draw.random() < 0.5])
    shown = browser.driver.execute_script(FORMAT_ALL, cases)
    frame = pl.DataFrame(cases, schema=["v", "u", "b", "s"], orient="row")
    python = frame.select(
        number_expr(pl.col("v"), pl.col("u"), pl.col("b"), stated=pl.col("s"))
    ).to_series()
    assert [(c, j, p) for c, j, p in zip(cases, shown, python, strict=True) if j != p] == []
