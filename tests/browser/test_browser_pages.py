"""Every page in headless Chromium: it loads cleanly and offline, and its controls work."""

from __future__ import annotations

import json
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import Browser, local_only

#: (path, name, a selector that shows once the page has drawn its data)
PAGES = [
    ("/", "overview", "#overview-charts .js-plotly-plot"),
    ("/market", "market", "#market-chart .js-plotly-plot"),
    ("/claims", "claims", "[id*='claims'] .ag-row"),
    ("/history", "history", "[id*='history-log'] .ag-row"),
    ("/sql", "sql", "[id*='sql-result'] .ag-row"),
    ("/plugins", "plugins", "[id*='plugins-status'] .ag-row"),
    ("/what-if", "what-if", "#what-if-headline .headline-card"),
]


def params(browser: Browser) -> dict[str, list[str]]:
    return parse_qs(browser.search.lstrip("?"))


def plotted(browser: Browser, container: str) -> list[dict]:
    """The plotly traces' meta and names drawn inside ``container``."""
    return browser.driver.execute_script(
        """
        return Array.from(document.querySelectorAll(arguments[0] + ' .js-plotly-plot'))
            .flatMap(g => g.data.map(t => ({meta: t.meta || {}, name: t.name || '', y: t.y})));
        """,
        container,
    )


def choose(browser: Browser, dropdown_id: str, value: str) -> None:
    """Pick ``value`` in a dcc.Dropdown by clicking it open and clicking the option."""
    browser.driver.find_element(By.ID, dropdown_id).click()
    option = browser.driver.find_element(
        By.XPATH, f"//label[@role='option'][.//input[@value='{value}']]"
    )
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", option)
    option.click()


@pytest.mark.parametrize(("path", "name", "ready"), PAGES, ids=[p[1] for p in PAGES])
def test_each_page_loads_cleanly_and_never_leaves_localhost(
    browser: Browser, path: str, name: str, ready: str
) -> None:
    browser.open(path, ready)
    assert params(browser)["snapshot"][0].isdigit()  # latest, resolved to a concrete id
    browser.screenshot(name)
    assert browser.console_errors() == []
    requests = browser.requested_urls()
    assert requests and [u for u in requests if not local_only(u)] == []
    links = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
    )
    assert all(urlsplit(link).scheme in ("http", "https") for link in links), links


def test_overview_shows_one_trace_per_estimator_for_deepseek_v3_and_the_claims(
    browser: Browser,
) -> None:
    browser.open("/?subject=deepseek-v3", "#overview-charts .js-plotly-plot")
    snapshot = params(browser)["snapshot"][0]
    with urllib.request.urlopen(
        f"{browser.base}/api/estimates?subject=deepseek-v3&as_of={snapshot}"
    ) as answer:
        expected = {e["estimator"] for e in json.load(answer)["estimates"]}
    traces = plotted(browser, "#overview-charts")
    lines = [t["meta"]["estimator"] for t in traces if t["meta"].get("kind") == "estimate"]
    assert sorted(lines) == sorted(expected) and len(lines) == len(set(lines))
    claims = [t for t in traces if t["meta"].get("kind") == "claims"]
    assert claims and all(t["meta"]["subject"] == "deepseek-v3" for t in claims)
    assert browser.driver.find_elements(By.CSS_SELECTOR, "[id*='overview-reconciliation'] .ag-row")


def test_the_sql_page_runs_a_query_and_refuses_a_drop(browser: Browser) -> None:
    browser.open("/sql", "[id*='sql-result'] .ag-row")
    editor = browser.driver.find_element(By.ID, "sql-query")

    def run(sql: str) -> None:
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(Keys.DELETE)
        editor.send_keys(sql)
        browser.driver.find_element(By.ID, "sql-run").click()

    run("SELECT subject, count(*) AS claims FROM claims GROUP BY subject ORDER BY claims DESC")
    browser.wait_until(
        "document.querySelector('#sql-status').innerText.includes('row(s)')"
        " && document.querySelector(\"[id*='sql-result'] .ag-header-cell-text\").innerText === 'subject'"
    )
    assert params(browser)["q"][0].startswith("SELECT subject, count(*)")
    run("DROP TABLE claim_records")
    message = browser.wait_until(
        "document.querySelector('#sql-status .notice-error')"
        " && document.querySelector('#sql-status .notice-error').innerText"
    )
    assert "refused" in message and "DROP" in message
    assert browser.driver.find_elements(By.CSS_SELECTOR, "[id*='sql-result'] .ag-row") == []


def test_a_permalink_reproduces_its_view(browser: Browser) -> None:
    browser.open("/market", "#market-chart .js-plotly-plot")
    browser.driver.find_element(By.XPATH, "//input[@type='radio'][@value='close']").click()
    browser.wait_until("window.location.search.includes('measure=close')")
    browser.wait_until("!document.querySelector('[data-dash-is-loading=\"true\"]')")
    link = browser.driver.current_url
    shown = plotted(browser, "#market-chart")
    browser.driver.get("about:blank")
    browser.driver.get(link)
    browser.wait_for("#market-chart .js-plotly-plot")
    assert browser.driver.current_url == link
    assert plotted(browser, "#market-chart") == shown
    checked = browser.driver.find_element(By.XPATH, "//input[@type='radio'][@value='close']")
    assert checked.is_selected()


def test_a_what_if_change_moves_a_number(browser: Browser) -> None:
    browser.open("/what-if?subject=deepseek-v3", "#what-if-headline .headline-card")
    card = "what-if-value-deepseek-v3-training_cost-final_run-cloud_rental"
    before = browser.driver.find_element(By.ID, card).text
    price = browser.driver.find_element(
        By.XPATH, """//input[@id='{"name":"rental_price","type":"what-if-parameter"}']"""
    )
    price.send_keys("4", Keys.ENTER)
    after = browser.wait_until(
        "document.getElementById(arguments[0]).innerText !== arguments[1]"
        " && document.getElementById(arguments[0]).innerText",
        card,
        before,
    )
    assert (before, after) == ("$5.58M", "$11.2M")
    assert params(browser)["rental_price"] == ["4.0"]


def test_the_snapshot_selector_changes_what_is_shown(browser: Browser) -> None:
    browser.open("/?subject=deepseek-v3", "#overview-charts .js-plotly-plot")
    newest = params(browser)["snapshot"][0]
    choose(browser, "overview-snapshot", "30")
    browser.wait_until("window.location.search.includes('snapshot=30')")
    notice = browser.wait_until(
        "document.querySelector('#overview-charts .notice')"
        " && document.querySelector('#overview-charts .notice').innerText"
    )
    assert "No estimates for deepseek-v3 at snapshot 30" in notice
    status = browser.driver.find_element(By.ID, "overview-snapshot-status").text
    assert f"behind the newest ({newest})" in status
    assert browser.console_errors() == []


def test_tables_download_as_csv(browser: Browser) -> None:
    downloads = browser.driver.downloads

    def downloaded(name: str) -> str:
        deadline = time.monotonic() + 20
        while not (downloads / name).exists():
            assert time.monotonic() < deadline, sorted(p.name for p in downloads.iterdir())
            time.sleep(0.1)
        return (downloads / name).read_text(encoding="utf-8-sig")  # AG Grid writes a BOM

    browser.open("/history", "[id*='history-log'] .ag-row")
    browser.driver.find_element(
        By.XPATH, """//button[@id='{"name":"history-log","type":"grid-csv"}']"""
    ).click()
    log = downloaded("snapshots.csv")
    assert log.splitlines()[0].startswith('"snapshot","written"')
    assert '"estimate","314"' in log  # the numbers themselves, not as formatted on screen
    browser.open("/claims", "[id*='claims'] .ag-row")
    snapshot = params(browser)["snapshot"][0]
    browser.driver.find_element(
        By.XPATH, """//button[@id='{"name":"claims","type":"grid-server-csv"}']"""
    ).click()
    claims = downloaded(f"claims-snapshot-{snapshot}.csv")
    assert claims.splitlines()[0].startswith("claim_id,subject,metric")
    assert "v3-training-cost-final-run,deepseek-v3,training_cost,final_run,,5576000.0" in claims
    assert browser.console_errors() == []
