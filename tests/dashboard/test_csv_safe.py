"""CSV a spreadsheet cannot execute: the rule (dashboard/csv_safe.py), the claims page's
server-side export of a real ingest through the real app, and `costboard sql --format csv`
keeping the raw text. The browser's half of the rule (AG Grid's export) is checked against
the same CORPUS in tests/browser/test_browser_csv_export.py.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
from flask_caching.backends import SimpleCache

from costboard.dashboard import csv_safe
from costboard.dashboard.app import create_app
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall, write

#: (cell, what a CSV for people holds), typed in by hand: OWASP's rule (a text cell starting
#: with = + - @, tab or carriage return gets a leading '), except a plain number.
CORPUS: list[tuple[str, str]] = [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("\t", "'\t"),
    ("=", "'="),
    ("+", "'+"),
    ("-", "'-"),
    ("@", "'@"),
    # Epoch AI's own notes in the demo warehouse start like this.
    ("=103000000*441000000*6=2.72538e+17", "'=103000000*441000000*6=2.72538e+17"),
    # plain numbers read as numbers, not formulas: left as they are
    ("-5.2", "-5.2"),
    ("-1e6", "-1e6"),
    ("-1E+06", "-1E+06"),
    ("+5", "+5"),
    ("-.5", "-.5"),
    ("-5.", "-5."),
    ("-0", "-0"),
    # ... and what only looks like one
    ("-5 ", "'-5 "),
    ("-5\n", "'-5\n"),
    ("-5.2\r", "'-5.2\r"),
    ("-1e", "'-1e"),
    ("--5", "'--5"),
    ("-.", "'-."),
    ("-1,000", "'-1,000"),
    ("-0x1F", "'-0x1F"),
    ("-inf", "'-inf"),
    ("-NaN", "'-NaN"),
    ("-١٢", "'-١٢"),  # Arabic-Indic digits: not a plain number in ASCII
    ("-5.2\n=1+1", "'-5.2\n=1+1"),
    # text that does not start with a trigger
    ("DeepSeek-AI", "DeepSeek-AI"),
    ("a=1", "a=1"),
    ("5-3", "5-3"),
    ("'=already text", "'=already text"),
    ("", ""),
]


def guarded(cells: list[str]) -> list[str]:
    frame = pl.DataFrame({"cell": cells}, schema={"cell": pl.String})
    return frame.select(csv_safe.safe_text(pl.col("cell")))["cell"].to_list()


def test_the_rule_on_the_corpus() -> None:
    cells, expected = zip(*CORPUS, strict=True)
    assert guarded(list(cells)) == list(expected)


def test_text_is_guarded_and_numbers_stay_numbers() -> None:
    frame = pl.DataFrame(
        {
            "=name": ["=1+1", "-5.2", None],
            "value": [-5.2, -1e6, None],
            "count": [-3, 7, None],
            "kind": pl.Series(["@x", "ok", None], dtype=pl.Categorical),
            "day": pl.Series(["2025-01-27", "2025-01-28", None]).str.to_date(),
        }
    )
    text = csv_safe.write_csv(frame)
    assert text.splitlines() == [
        "'=name,value,count,kind,day",
        "'=1+1,-5.2,-3,'@x,2025-01-27",
        "-5.2,-1000000.0,7,ok,2025-01-28",
        ",,,,",
    ]
    # the frame itself is not changed: the guard is for the file only
    assert frame["=name"][0] == "=1+1"


def test_a_header_guarded_never_collides_with_another_column() -> None:
    frame = pl.DataFrame({"=a": ["x"], "'=a": ["y"]})
    assert csv_safe.write_csv(frame).splitlines() == ["'=a,'=a", "x,y"]


#: Claims whose text a spreadsheet would run; the values are negative numbers (falls of
#: market value), which must stay numbers.
HOSTILE_CLAIMS = [
    {
        "claim_id": "hostile-hyperlink",
        "claimant": '=HYPERLINK("http://evil.example","x")',
        "quote": "+cmd|' /C calc'!A0",
        "note": "-1+1",
        "value": -589,
    },
    {
        "claim_id": "hostile-at",
        "claimant": "@SUM(A1:A9)",
        "quote": "\t=1+1",
        "note": "\r=2+2",
        "value": -1e3,
    },
    {
        "claim_id": "plain-numbers",
        "claimant": "-5.2",
        "quote": "-1e6",
        "note": "a plain note",
        "value": -5.2,
    },
]


def _ingest_hostile_claims(cli: CliCall, folder: Path) -> None:
    subjects = write(folder / "subjects.csv", "subject,name,kind\nNVDA,Nvidia,ticker\n")
    claims = [
        {
            "subject": "NVDA",
            "metric": "market_cap_change",
            "scope": "one_day",
            "unit": "usd_billion",
            "stated_on": "2025-01-27",
            "source_url": f"https://example.com/{claim['claim_id']}",
            **claim,
        }
        for claim in HOSTILE_CLAIMS
    ]
    path = write(folder / "claims.json", json.dumps(claims))
    result = cli("ingest", str(subjects), str(path), "-m", "claims a spreadsheet would run")
    assert result.exit_code == 0, result.output


def test_the_claims_export_through_the_app_guards_an_ingests_text(
    config: WarehouseConfig, cli: CliCall, tmp_path: Path
) -> None:
    _ingest_hostile_claims(cli, tmp_path)
    with lake.connect(config) as connection:
        snapshot = int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])
    app = create_app(config, cache=SimpleCache(threshold=0), warm=False)
    button = {"name": "claims", "type": "grid-server-csv"}
    # What the browser posts when the claims page's Download CSV button is clicked.
    response = app.server.test_client().post(
        "/_dash-update-component",
        json={
            "output": "claims-download.data",
            "outputs": {"id": "claims-download", "property": "data"},
            "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
            "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"],
            "state": [
                {
                    "id": {"name": "claims", "type": "grid"},
                    "property": "getRowsRequest",
                    "value": None,
                },
                {"id": "claims-pinned", "property": "data", "value": snapshot},
            ],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    download = response.get_json()["response"]["claims-download"]["data"]
    assert download["filename"] == f"claims-snapshot-{snapshot}.csv"
    text = download["content"]
    rows = {r["claim_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {c["claim_id"] for c in HOSTILE_CLAIMS}
    # The ingest strips a cell's outer whitespace: a leading tab or CR does not reach the
    # warehouse, and what it hid (=1+1) is guarded like any other formula.
    assert rows["hostile-hyperlink"]["claimant"] == "'" + HOSTILE_CLAIMS[0]["claimant"]
    assert rows["hostile-hyperlink"]["quote"] == "'+cmd|' /C calc'!A0"
    assert rows["hostile-hyperlink"]["note"] == "'-1+1"
    assert rows["hostile-at"]["claimant"] == "'@SUM(A1:A9)"
    assert (rows["hostile-at"]["quote"], rows["hostile-at"]["note"]) == ("'=1+1", "'=2+2")
    assert (rows["plain-numbers"]["claimant"], rows["plain-numbers"]["quote"]) == ("-5.2", "-1e6")
    # the values (in the metric's base unit, dollars) are numbers: not quoted, not prefixed
    lines = text.splitlines()
    assert any(",-589000000000.0," in line for line in lines if "hostile-hyperlink" in line)
    assert any(",-5200000000.0," in line for line in lines if "plain-numbers" in line)


def test_costboard_sql_csv_keeps_the_raw_text(config: WarehouseConfig, cli: CliCall) -> None:
    query = "SELECT '=HYPERLINK(''http://evil.example'')' AS link, '-1+1' AS sum, -5.2 AS n"
    result = cli("sql", "--format", "csv", query)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "link,sum,n",
        "=HYPERLINK('http://evil.example'),-1+1,-5.2",
    ]
    help_text = " ".join(cli("sql", "--help").output.split())
    assert "keep every cell's raw text" in help_text
    assert "not guarded against spreadsheet formulas" in help_text
