"""The cost ladder page in headless Chromium: DeepSeek's figures drawn on one log axis, each
marker where the seed puts it, bounds as arrows, misattributed claims crossed out.

Expected figures are typed in from the reference (../shared/reference/costfacts.md), never
read from the server under test.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from tests.browser.conftest import Browser, local_only

LADDER_READY = ("#ladder-chart .js-plotly-plot", "[id*='ladder-rungs'] .ag-row")
#: Every trace of the drawn figure, with what plotly was given for its markers.
_TRACES = """
const graph = document.querySelector('#ladder-chart .js-plotly-plot');
return {
    yaxis: graph.layout.yaxis.type,
    ticks: Array.from(graph.layout.xaxis.ticktext || []),
    points: graph.querySelectorAll('.scatterlayer .point').length,
    traces: graph.data.map(t => ({
        meta: t.meta || {}, y: Array.from(t.y || []),
        ids: Array.from(t.customdata || []), hover: Array.from(t.hovertext || []),
        symbols: Array.isArray(t.marker && t.marker.symbol) ? Array.from(t.marker.symbol)
            : (t.y || []).map(() => t.marker && t.marker.symbol),
    })),
};
"""


def drawn(browser: Browser) -> dict[str, Any]:
    return browser.driver.execute_script(_TRACES)


def markers(figure: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """One dict per marker of the traces of ``kind``: claim id, y, symbol, hover, scope."""
    return [
        {"id": i, "y": y, "symbol": s, "hover": h, "scope": t["meta"].get("scope")}
        for t in figure["traces"]
        if t["meta"].get("kind") == kind
        for i, y, s, h in zip(t["ids"], t["y"], t["symbols"], t["hover"], strict=True)
    ]


def test_the_ladder_draws_deepseeks_figures_by_scope_on_a_log_axis(browser: Browser) -> None:
    # others=1: V3's ranges are another model's on DeepSeek's ladder, folded away by default.
    browser.open("/ladder?subject=deepseek&others=1", *LADDER_READY)
    query = parse_qs(browser.search.lstrip("?"))
    assert query["subject"] == ["deepseek"] and query["snapshot"][0].isdigit()
    assert query["others"] == ["1"]
    figure = drawn(browser)
    assert figure["yaxis"] == "log"
    assert {"stage", "final run", "fleet capex", "fleet opex", "one day"} <= set(figure["ticks"])
    claims = markers(figure, "claims")
    assert figure["points"] >= len(claims) > 10  # the markers are on the page, not only in data
    by_id = {m["id"]: m for m in claims}
    # DeepSeek's own final-run figures: V3's $5.576M and R1's $294K.
    assert (
        by_id["v3-training-cost-final-run"]["y"],
        by_id["v3-training-cost-final-run"]["scope"],
    ) == (
        5_576_000,
        "final_run",
    )
    assert by_id["r1-training-cost-final-run"]["y"] == 294_000
    assert by_id["r1-training-cost-final-run"]["symbol"] == "circle"
    # SemiAnalysis: "well over $500M" of hardware, a floor drawn as an upward arrow.
    spend = next(m for m in claims if "SemiAnalysis" in m["hover"] and "&gt; $500M" in m["hover"])
    assert (spend["y"], spend["symbol"], spend["scope"]) == (500e6, "triangle-up", "fleet_capex")
    # The ~$800B Nvidia + Broadcom move: placed by its size, said to be a loss.
    move = next(m for m in claims if m["scope"] == "one_day" and "nvidia-broadcom" in m["hover"])
    assert 780e9 <= move["y"] <= 820e9 and "loss" in move["hover"]
    # Reports that gave V3's $5.6M to R1 are crossed out, and only they.
    crossed = markers(figure, "crossed_out")
    assert crossed and all("misattributed" in m["hover"] for m in crossed)
    assert all(5.5e6 <= m["y"] <= 6.1e6 for m in crossed)  # "$5.6M" or "$6M"
    # Each estimator's range beside the claims of its scope.
    estimates = markers(figure, "estimates")
    assert any(m["id"] == "cloud_rental" and m["y"] == 5_576_000 for m in estimates)
    assert browser.console_errors() == []
    assert [u for u in browser.requested_urls() if not local_only(u)] == []
    browser.screenshot("ladder")


def test_the_ladder_is_linkable_and_the_nav_keeps_the_snapshot(browser: Browser) -> None:
    browser.open("/ladder?subject=deepseek-r1&snapshot=latest", *LADDER_READY)
    query = parse_qs(browser.search.lstrip("?"))
    assert query["subject"] == ["deepseek-r1"] and query["snapshot"][0].isdigit()
    link = browser.wait_until(
        "document.getElementById('nav-ladder').href.indexOf('snapshot=') >= 0"
        " && document.getElementById('nav-ladder').href"
    )
    assert link.endswith(f"/ladder?snapshot={query['snapshot'][0]}")
    rows = browser.grid_rows("ladder-rungs")
    assert any(r["claim_id"] == "r1-training-cost-final-run" for r in rows)
