"""The overview's table of every claim, in headless Chromium: a claim left out of the evidence
is listed with its reason, and its marker on the chart is crossed out.

Expected values are typed in from the seed (warehouse/seed/claims.csv, the news reports of
../shared/reference/costfacts.md section 8), never read from the server under test.

Layer: the browser (what a person sees). The standing as read: tests/warehouse/
test_claim_standing.py; the dashboard's figures and tables without a browser:
tests/dashboard/test_claim_standing.py.
"""

from __future__ import annotations

from tests.browser.conftest import Browser

CLAIMS_READY = ("#overview-charts .js-plotly-plot", "[id*='overview-claims'] .ag-row")
#: Benzinga gave V3's $5.6M final run to R1 (January 2025): misattributed in the seed.
BENZINGA = "benzinga-r1-training-cost"
#: Every claim marker's (claim id, symbol) on the overview's charts.
_MARKERS = """
return Array.from(document.querySelectorAll('#overview-charts .js-plotly-plot')).flatMap(
    g => g.data.filter(t => t.meta && t.meta.kind === 'claims').flatMap(
        t => Array.from(t.customdata).map((id, i) => [id, t.marker.symbol[i]])));
"""


def test_the_overview_of_r1_lists_a_misattributed_report_and_why_it_is_not_evidence(
    browser: Browser,
) -> None:
    browser.open("/?subject=deepseek-r1", *CLAIMS_READY)
    rows = {r["claim_id"]: r for r in browser.grid_rows("overview-claims")}
    # What the grid draws on screen (what it holds, without a browser:
    # tests/dashboard/test_claim_standing.py), quoting the figure V3's report gave.
    shown = browser.cell_text("overview-claims", rows[BENZINGA]["_row"], "evidence")
    assert shown.startswith("no: misattributed: V3's final-run cost ($5.576M")
    # and on the chart, the misattributed report is crossed out
    symbols = dict(browser.driver.execute_script(_MARKERS))
    assert symbols[BENZINGA] == "x" and symbols["r1-training-cost-final-run"] == "diamond"
    assert browser.console_errors() == []
