"""Charts that read without hovering (issue 19, item 5), in headless Chromium on the demo:
the overview's claims of one figure on one day drawn as one marker with its count, its x-axis
ending shortly after the last evidence, and the market page opening on the selloff's window.

Expected values are typed in from the seed (warehouse/seed/claims.csv): SemiAnalysis's and
Glenn's $1.6B of DeepSeek server capex, both dated 2025-01-31; the selloff of 27 January 2025.
The figure functions without a browser: tests/dashboard/test_claim_markers.py,
test_figures.py and test_market_page.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from tests.browser.conftest import Browser

OVERVIEW_READY = "#overview-charts .js-plotly-plot"
#: The fleet-capex chart's claim markers and x-axis range as Plotly holds them.
_FLEET_CAPEX = """
const panel = Array.from(document.querySelectorAll('#overview-charts .js-plotly-plot'))
    .find(g => g.layout.title && g.layout.title.text.endsWith('server_capex · fleet_capex'));
const claims = panel.data.find(t => t.meta && t.meta.kind === 'claims');
const drawn = Array.from(panel.querySelectorAll('.textpoint text')).map(t => t.textContent);
return {counts: claims.meta.counts, ids: claims.meta.claim_ids, hover: claims.hovertext,
        range: panel.layout.xaxis.range, drawn: drawn};
"""


def test_the_overview_draws_two_16b_claims_of_one_day_as_one_marker_counting_two(
    browser: Browser,
) -> None:
    browser.open("/?subject=deepseek", OVERVIEW_READY)
    chart = browser.driver.execute_script(_FLEET_CAPEX)
    merged = [i for i, n in enumerate(chart["counts"]) if n > 1]
    assert [sorted(chart["ids"][i]) for i in merged] == [
        ["glenn-server-capex-all", "semianalysis-server-capex"]
    ]
    hover = chart["hover"][merged[0]]
    assert hover.startswith("<b>2 claims</b> · 2025-01-31 · $1.6B")
    assert "Glenn (X thread)" in hover and "SemiAnalysis" in hover
    assert "×2" in chart["drawn"]  # the count is on the chart, not only in the hover
    # The axis ends weeks after the last evidence, not at the snapshot's day a year on.
    assert chart["range"][1][:7] <= "2025-06"
    assert browser.console_errors() == []
    browser.screenshot("overview-merged-markers")


def test_the_market_page_opens_on_the_selloff_with_its_claim_dates_only(
    browser: Browser,
) -> None:
    browser.open("/market", "#market-chart .js-plotly-plot")
    browser.wait_until("window.location.search.indexOf('window_start=') >= 0")
    query = parse_qs(browser.search.lstrip("?"))
    assert query["window_start"] == query["window_end"] == ["2025-01-27"]
    assert (query["start"], query["end"]) == (["2025-01-13"], ["2025-02-10"])
    assert "PCU518210518210" not in query["ticker"]  # the price index is no market ticker
    traces = [t for f in browser.figures("#market-chart") for t in f["traces"]]
    (events,) = [t for t in traces if t["meta"].get("kind") == "events"]
    assert sorted(x[:10] for x in events["x"]) == ["2025-01-27", "2025-01-28"]
    browser.screenshot("market-event-window")
