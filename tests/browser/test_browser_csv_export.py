"""CSV a spreadsheet cannot execute, in headless Chromium: AG Grid's own export (the SQL page,
a claim's versions) through ``costboardCsvCell`` in dashboard/assets/dashAgGridFunctions.js,
the claims page's server-side export, and the browser's rule against Python's on one corpus.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from selenium.webdriver.common.by import By

from costboard.dashboard import components
from tests.browser.conftest import Browser
from tests.browser.support import REVISED_CLAIM
from tests.dashboard.test_csv_safe import CORPUS, guarded

#: An Epoch AI claim of the demo whose quote is one of Epoch's spreadsheet formulas.
EPOCH_FORMULA_CLAIM = "epoch-a8e77f70a950f3b3"
EPOCH_FORMULA = "=103000000*441000000*6=2.72538e+17"


def _button(browser: Browser, kind: str, name: str) -> Any:
    return browser.driver.find_element(
        By.XPATH, f"""//button[@id='{{"name":"{name}","type":"{kind}"}}']"""
    )


def _rows(path: Path) -> list[list[str]]:
    # AG Grid writes a BOM; a cell may hold CR or LF, so no newline translation.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_the_browsers_rule_is_pythons_on_the_corpus(browser: Browser) -> None:
    browser.open("/sql", "[id*='sql-result'] .ag-row")
    cells = [cell for cell, _ in CORPUS]
    shown = browser.driver.execute_script(
        "return arguments[0].map(window.dashAgGridFunctions.costboardCsvText)", cells
    )
    assert shown == [expected for _, expected in CORPUS] == guarded(cells)
    # The cell callback: numbers stay numbers; a column that exports its formatted text has
    # that text guarded (AG Grid leaves the formatting to a processCellCallback).
    cell = browser.driver.execute_script(
        """const f = window.dashAgGridFunctions.costboardCsvCell;
        const column = def => ({getColDef: () => def});
        const params = (value, def) => ({value, column: column(def), formatValue: v => '=' + v});
        return [
            f(params(-5.2, {})), f(params(-1e6, {valueFormatter: {}, useValueFormatterForExport: false})),
            f(params('@x', {})), f(params(null, {})), f(params(3, {valueFormatter: {}})),
        ];"""
    )
    assert cell == [-5.2, -1e6, "'@x", "", "'=3"]


def test_the_sql_pages_csv_export_guards_text_and_headers_and_keeps_numbers(
    browser: Browser,
) -> None:
    query = (
        "SELECT '=HYPERLINK(''http://evil.example'',''x'')' AS \"=link\","
        " '+cmd|'' /C calc''!A0' AS plus, '-1+1' AS minus, '@SUM(A1)' AS at,"
        " chr(9) || '=1+1' AS tab, chr(13) || '=2+2' AS cr, '-5.2' AS text_number,"
        " 'DeepSeek-AI' AS plain, -5.2 AS n, -1e6 AS big, -3 AS whole"
    )
    browser.open("/sql?" + urlencode({"q": query}), "[id*='sql-result'] .ag-row")
    path = browser.download(_button(browser, "grid-csv", "sql-result").click, "query.csv")
    header, row = _rows(path)
    assert header == [
        "'=link",
        "plus",
        "minus",
        "at",
        "tab",
        "cr",
        "text_number",
        "plain",
        "n",
        "big",
        "whole",
    ]
    assert row == [
        "'=HYPERLINK('http://evil.example','x')",
        "'+cmd|' /C calc'!A0",
        "'-1+1",
        "'@SUM(A1)",
        "'\t=1+1",
        "'\r=2+2",
        "-5.2",
        "DeepSeek-AI",
        "-5.2",
        "-1000000",
        "-3",
    ]
    assert browser.console_errors() == []


def test_the_claims_pages_exports_guard_epochs_formulas(browser: Browser) -> None:
    browser.open("/claims", "[id*='claims'] .ag-row")
    snapshot = browser.search.split("snapshot=")[1].split("&")[0]
    # the server-side export of the whole table
    path = browser.download(
        _button(browser, "grid-server-csv", "claims").click, f"claims-snapshot-{snapshot}.csv"
    )
    header, *rows = _rows(path)
    claims = {r[header.index("claim_id")]: dict(zip(header, r, strict=True)) for r in rows}
    assert claims[EPOCH_FORMULA_CLAIM]["quote"] == "'" + EPOCH_FORMULA
    assert claims[REVISED_CLAIM]["value"] == "3.45"  # a number, as it was
    # every cell is one the rule leaves as it is (guarding it again changes nothing)
    cells = [c for r in rows for c in r]
    assert guarded(cells) == cells
    # a claim's versions: a grid that AG Grid exports in the browser
    browser.open(f"/claims?claim={EPOCH_FORMULA_CLAIM}", "[id*='claim-versions'] .ag-row")
    name = components.slug("claim", EPOCH_FORMULA_CLAIM, "versions") + ".csv"
    path = browser.download(_button(browser, "grid-csv", "claim-versions").click, name)
    header, *versions = _rows(path)
    assert [v[header.index("quote")] for v in versions] == ["'" + EPOCH_FORMULA]
    assert browser.console_errors() == []
