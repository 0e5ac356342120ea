"""A shared link keeps showing its numbers after the warehouse moves on.

This module writes to its warehouse, so it has one of its own (a copy of the session's) and a
dashboard serving it: the session's server stays read-only for every other test.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import REPO, Browser, serving

#: DeepSeek-V3's rental-price claim (the report's $2/GPU-hour), revised here to $2.50.
RENTAL_CLAIM = "v3-rental-price-h800"
REVISED_PRICE = 2.5
# costfacts.md, reference case 4: 2,788,000 GPU-hours x $2 = $5,576,000; at $2.50, $6,970,000.
V3_GPU_HOURS = 2_788_000
BEFORE, AFTER = 5_576_000, 6_970_000
OVERVIEW = "/?subject=deepseek-v3"
READY = ("#overview-charts .js-plotly-plot", "[id*='overview-reconciliation'] .ag-row")


@pytest.fixture(scope="module")
def writable_home(browser_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's warehouse that this module may write to."""
    home = tmp_path_factory.mktemp("permalink") / "home"
    shutil.copytree(browser_home, home, ignore=shutil.ignore_patterns("cache"))
    return home


@pytest.fixture(scope="module")
def writable_server(writable_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(writable_home, tmp_path_factory.mktemp("permalink-server") / "serve.log") as base:
        yield base


@pytest.fixture
def browser(chromium: Any, writable_server: str) -> Browser:
    session = Browser(chromium, writable_server)
    session.clear_logs()
    return session


def costboard(home: Path, *args: str) -> str:
    """The CLI in a process of its own, as a person would run it beside the dashboard."""
    done = subprocess.run(
        [sys.executable, "-m", "costboard.cli", "--home", str(home), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def revise_rental_price(home: Path, folder: Path) -> None:
    """Ingest the seed's rental-price claim with a new value, then re-estimate: two snapshots."""
    with (REPO / "warehouse" / "seed" / "claims.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        row = next(r for r in reader if r["claim_id"] == RENTAL_CLAIM)
        header = reader.fieldnames
    assert float(row["value"]) == BEFORE / V3_GPU_HOURS
    row = {**row, "value": str(REVISED_PRICE), "note": "rental price revised (test)"}
    path = folder / "revised-rental-price.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerow(row)
    costboard(home, "ingest", str(path), "-m", "revise DeepSeek-V3's rental price")
    costboard(home, "estimate")


def cloud_rental_shown(browser: Browser) -> dict[str, Any]:
    """What the overview shows of DeepSeek-V3's cloud-rental estimate: the line's values, its
    hover text, and the reconciliation row of DeepSeek's $5.576M claim as it reads."""
    panel = next(
        f
        for f in browser.figures("#overview-charts")
        if (f["subject"], f["metric"]) == ("deepseek-v3", "training_cost")
    )
    line = next(
        t
        for t in panel["traces"]
        if t["meta"] == {"kind": "estimate", "estimator": "cloud_rental", "subject": "deepseek-v3"}
    )
    rows = browser.grid_rows("overview-reconciliation")
    # One row per frame (at the claim's date, latest): here both compare the same estimate.
    matching = [
        r
        for r in rows
        if (r["claim_id"], r["estimator"]) == ("v3-training-cost-final-run", "cloud_rental")
    ]
    assert matching, rows
    cells = {
        tuple(
            browser.cell_text("overview-reconciliation", r["_row"], c) for c in ("value", "ratio")
        )
        for r in matching
    }
    assert len(cells) == 1, cells
    [(estimate, ratio)] = cells
    return {
        "line": sorted(set(line["y"])),
        "hover": sorted({c[0] for c in line["customdata"]}),
        "estimate": estimate,
        "ratio": ratio,
    }


def snapshot_of(browser: Browser) -> int:
    return int(parse_qs(browser.search.lstrip("?"))["snapshot"][0])


def test_a_pinned_link_shows_the_same_numbers_after_a_new_snapshot_changes_them(
    browser: Browser, writable_home: Path, tmp_path: Path
) -> None:
    browser.open(OVERVIEW, *READY)
    link, pinned = browser.driver.current_url, snapshot_of(browser)
    before = cloud_rental_shown(browser)
    assert before == {
        "line": [BEFORE],
        "hover": ["$5.58M"],
        "estimate": "$5.58M",  # an estimate at three figures, in the grid as in the hover
        "ratio": "1",
    }

    revise_rental_price(writable_home, tmp_path)

    browser.driver.get("about:blank")
    browser.driver.get(link)
    browser.wait_for(*READY)
    assert browser.driver.current_url == link
    assert cloud_rental_shown(browser) == before
    status = browser.driver.find_element(By.ID, "overview-snapshot-status").text
    assert status == f"2 snapshot(s) behind the newest ({pinned + 2})"

    browser.open(OVERVIEW, *READY)  # no snapshot in the URL: the newest
    assert snapshot_of(browser) == pinned + 2
    assert cloud_rental_shown(browser) == {
        "line": [AFTER],
        "hover": ["$6.97M"],
        "estimate": "$6.97M",
        "ratio": "0.8",  # DeepSeek's $5.576M against $6.97M
    }
    assert browser.console_errors() == []
