"""The Gaps page in headless Chromium, on the crafted warehouse of tests/dashboard/
test_gaps_page.py (a known ranking worked out by hand there): the ranked rows as the grid
draws them, the filters in the URL, the subject's link to its overview at the pinned
snapshot, sources linked only when http(s); and the demo's page loading cleanly, offline.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from selenium.webdriver.common.by import By

from costboard.cli import main
from costboard.warehouse import lake
from tests.browser.conftest import Browser, grid_dom_id, local_only, serving
from tests.browser.test_browser_pages import choose
from tests.dashboard.test_gaps_page import RANKED, build

GRID = '[id*=\'"name":"gaps"\'] .ag-row'
#: The tag put on the snapshot with the estimates; a later snapshot (the tag's) is the newest.
TAG = "ranked"
#: Each claim's gap as the grid writes it (three significant figures; by hand from the
#: ranges of tests/dashboard/test_gaps_page.py).
GAP_TEXT = {
    "total-far": "1.4",  # log10(50,000 / 2,000) = 1.398
    "far-above": "1",  # log10(2,000 / 200)
    "below": "0.699",  # log10(50 / 10)
    "range-apart": "0.176",  # log10(300 / 200)
    "floor-below": "0",
    "range-overlap": "0",
}


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The crafted warehouse and its estimates' snapshot, tagged (so a later snapshot, the
    tag's, is the newest and the tagged one is a pinned past)."""
    home = tmp_path_factory.mktemp("gaps-browser") / "home"
    config = build(home)
    with lake.connect(config) as connection:
        ranked = int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])
    result = CliRunner().invoke(main, ["--home", str(home), "tag", TAG, "-m", "ranked gaps"])
    assert result.exit_code == 0, result.output
    return home, ranked


@pytest.fixture(scope="module")
def crafted_server(
    crafted: tuple[Path, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serving(crafted[0], tmp_path_factory.mktemp("gaps-server") / "serve.log") as base:
        yield base


@pytest.fixture
def page(chromium: Any, crafted_server: str) -> Browser:
    session = Browser(chromium, crafted_server)
    session.clear_logs()
    return session


def anchors(browser: Browser, row: str, column: str) -> list[str]:
    """The hrefs of the links drawn in one cell of the gaps grid (scrolled into view)."""
    browser.cell_text("gaps", row, column)
    return browser.driver.execute_script(
        "const cell = document.getElementById(arguments[0]).querySelector("
        "'.ag-row[row-id=\"' + CSS.escape(arguments[1]) + '\"] .ag-cell[col-id=\"' "
        "+ CSS.escape(arguments[2]) + '\"]');"
        "return Array.from(cell.querySelectorAll('a')).map(a => a.getAttribute('href'));",
        grid_dom_id("gaps"),
        row,
        column,
    )


def test_the_grid_draws_the_ranking_with_each_claim_and_range(
    page: Browser, crafted: tuple[Path, int]
) -> None:
    _, pinned = crafted
    page.open(f"/gaps?snapshot={TAG}", GRID)
    page.wait_until("window.location.search === arguments[0]", f"?snapshot={pinned}&frame=latest")
    rows = page.grid_rows("gaps")
    assert [r["claim_id"] for r in rows] == RANKED
    assert [r["rank"] for r in rows] == [str(n) for n in range(1, 7)]
    assert {r["claim_id"]: r["claim_gap"] for r in rows} == GAP_TEXT
    assert float(GAP_TEXT["total-far"]) == pytest.approx(math.log10(25), abs=0.005)
    by_id = {r["claim_id"]: r for r in rows}
    assert (by_id["far-above"]["claim"], by_id["far-above"]["range"]) == ("$2,000", "$50 – $200")
    assert by_id["range-apart"]["claim"] == "$300 – $400"  # a range-only claim, as its range
    assert by_id["floor-below"]["claim"] == "> $20"
    assert by_id["far-above"]["claimant"] == "someone a"
    assert by_id["far-above"]["stated_on"] == "2025-01-10"
    page.screenshot("gaps")
    assert page.console_errors() == []
    assert [u for u in page.requested_urls() if not local_only(u)] == []


def test_links_go_to_the_overview_at_the_pinned_snapshot_and_only_http_sources_link(
    page: Browser, crafted: tuple[Path, int]
) -> None:
    _, pinned = crafted
    page.open(f"/gaps?snapshot={pinned}", GRID)
    assert anchors(page, "far-above", "source_url") == ["https://a.org/far"]
    assert anchors(page, "range-apart", "source_url") == []  # no URL: its title, as text
    assert page.cell_text("gaps", "range-apart", "source_url") == "Issue 3"
    assert anchors(page, "far-above", "subject") == [f"/?snapshot={pinned}&subject=a"]
    page.cell_text("gaps", "far-above", "subject")
    cell = page.driver.find_element(
        By.CSS_SELECTOR, ".ag-row[row-id='far-above'] .ag-cell[col-id='subject'] a"
    )
    cell.click()
    page.wait_for("#overview-charts .js-plotly-plot")
    assert urlsplit(page.driver.current_url).path == "/"
    assert parse_qs(page.search.lstrip("?")) == {"snapshot": [str(pinned)], "subject": ["a"]}
    status = page.driver.find_element(By.ID, "overview-snapshot-status").text
    assert status.startswith("1 snapshot(s) behind")  # pinned, not moved to the newest


def test_a_filter_reranks_and_lives_in_the_url(page: Browser, crafted: tuple[Path, int]) -> None:
    _, pinned = crafted
    page.open(f"/gaps?snapshot={pinned}", GRID)
    choose(page, "gaps-kind", "company")
    page.wait_until(
        "window.location.search.indexOf('kind=company') >= 0"
        " && window.dash_ag_grid.getApi(arguments[0]).getDisplayedRowCount() === 1",
        grid_dom_id("gaps"),
    )
    assert [(r["claim_id"], r["rank"]) for r in page.grid_rows("gaps")] == [("range-overlap", "1")]
    # The link of this view opens it again: the filter and frame come back from the URL.
    page.open(f"/gaps?snapshot={pinned}&frame=at_claim_date&scope=final_run", GRID)
    shown = [r["claim_id"] for r in page.grid_rows("gaps")]
    assert shown == [c for c in RANKED if c not in ("below", "total-far")]


def test_a_snapshot_before_any_estimate_says_why_the_table_is_empty(
    page: Browser, crafted: tuple[Path, int]
) -> None:
    _, pinned = crafted
    page.open(f"/gaps?snapshot={pinned - 1}", "#gaps-empty")
    said = page.driver.find_element(By.ID, "gaps-empty").text
    assert "No claim is compared with an estimate in the latest frame" in said
    assert "6: no estimator models their metric and scope" in said


def test_the_demos_gaps_page_loads_cleanly_largest_gap_first(browser: Browser) -> None:
    browser.open("/gaps", GRID)
    rows = browser.grid_rows("gaps")
    gaps = [float(r["claim_gap"].replace(",", "")) for r in rows]
    assert gaps and gaps == sorted(gaps, reverse=True)
    by_id = {r["claim_id"]: r for r in rows}
    # costfacts.md, reference case 4: DeepSeek's $5.576M for V3's final run, 2,788,000
    # GPU-hours at $2 (the cloud-rental estimate itself): inside a range, no gap.
    v3 = by_id["v3-training-cost-final-run"]
    assert (v3["claim"], v3["claim_gap"], v3["outside"]) == ("$5.576M", "0", "inside")
    # Dario Amodei's "a few $10M's" for Claude 3.5 Sonnet, a range with no value (the seed
    # bounds it $10M-$100M): shown and compared as its range.
    assert by_id["amodei-claude-3.5-sonnet-cost"]["claim"] == "$10M – $100M"
    browser.screenshot("gaps-demo")
    assert browser.console_errors() == []
    assert [u for u in browser.requested_urls() if not local_only(u)] == []
