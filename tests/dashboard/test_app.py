"""The app, its JSON API, `costboard serve`, and each page's callback logic (no browser)."""

from __future__ import annotations

import datetime as dt
import importlib
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import polars as pl
import pytest
from click.testing import CliRunner
from flask_caching.backends import SimpleCache

from costboard.cli import main
from costboard.dashboard.app import create_app
from costboard.testing import costboard_plugin  # noqa: F401  (the fixture)
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.lake import WarehouseMissing
from tests.browser.support import REVISED_CLAIM, TAG


@pytest.fixture(scope="module")
def warehouse(dashboard_config: WarehouseConfig) -> WarehouseConfig:
    """The demo with estimates and history (conftest.py; on PostgreSQL too for the API tests)."""
    return dashboard_config


@pytest.fixture(scope="module")
def app(warehouse: WarehouseConfig) -> dash.Dash:
    return create_app(warehouse, cache=SimpleCache(threshold=0), warm=False)


@pytest.fixture
def context(app: dash.Dash) -> Iterator[None]:
    """What a callback runs in: the app's request context (the reader hangs off the app)."""
    with app.server.test_request_context("/"):
        yield


def page(name: str) -> ModuleType:
    # Dash imports the page modules when the app is made (they register themselves).
    return importlib.import_module(f"costboard.dashboard.pages.{name}")


@pytest.fixture(scope="module")
def newest(warehouse: WarehouseConfig) -> int:
    with lake.connect(warehouse) as connection:
        return int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])


def snapshot_count(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT count(*) FROM snapshots").fetchone()[0])


# ------------------------------------------------------------------------- serving


def test_the_dashboard_refuses_to_start_without_a_warehouse(tmp_path: Path) -> None:
    with pytest.raises(WarehouseMissing, match="costboard init --demo"):
        create_app(WarehouseConfig.resolve(tmp_path / "nothing"))
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "nothing"), "serve"])
    assert result.exit_code == 1
    assert "no costboard warehouse" in result.output and "costboard init --demo" in result.output


def test_serve_says_when_the_port_is_taken(warehouse: WarehouseConfig) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["--home", str(warehouse.home), "serve", "--port", str(port)]
        )
    assert result.exit_code != 0 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_serve_is_registered_with_its_options() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "127.0.0.1", "8050"):
        assert option in result.output


def test_every_page_and_asset_is_served_by_the_app_itself(app: dash.Dash) -> None:
    client = app.server.test_client()
    for path in (
        "/",
        "/market",
        "/ladder",
        "/claims",
        "/gaps",
        "/history",
        "/sql",
        "/plugins",
        "/what-if",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        linked = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert linked and all(url.startswith("/") for url in linked), linked
    assert client.get("/assets/style.css").status_code == 200
    assert {
        "/",
        "/market",
        "/ladder",
        "/claims",
        "/gaps",
        "/history",
        "/sql",
        "/plugins",
        "/what-if",
    } == {p["path"] for p in dash.page_registry.values()}


# ----------------------------------------------------------------------------- API


@pytest.mark.catalogs
def test_api_sql_answers_json_pinned_to_the_snapshot(app: dash.Dash, newest: int) -> None:
    client = app.server.test_client()
    body = client.get("/api/sql", query_string={"q": "SELECT count(*) AS n FROM claims"}).json
    assert body["columns"] == ["n"] and body["snapshot_id"] == newest
    assert body["truncated"] is False and isinstance(body["elapsed_ms"], float)
    early = client.get(
        "/api/sql", query_string={"q": "SELECT count(*) AS n FROM claims", "as_of": "10"}
    ).json
    assert early["snapshot_id"] == 10 and early["rows"][0][0] < body["rows"][0][0]
    tagged = client.get("/api/sql", query_string={"q": "SELECT 1", "as_of": TAG}).json
    assert tagged["snapshot_id"] < newest


@pytest.mark.catalogs
@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"q": "DROP TABLE claim_records"}, 403, "only SELECT or EXPLAIN"),
        ({"q": "SELECT 1; SELECT 2"}, 403, "one statement"),
        ({"q": "SELECT * FROM read_csv('/etc/passwd')"}, 403, "read_csv() is not allowed here"),
        ({"q": "SELECT * FROM nope"}, 400, "nope"),
        ({"q": ""}, 403, "empty"),
        ({"q": "SELECT 1", "as_of": "no-such-tag"}, 404, "no-such-tag"),
    ],
)
def test_api_sql_refusals_and_failures_are_4xx_json(
    app: dash.Dash, params: dict[str, str], status: int, says: str
) -> None:
    response = app.server.test_client().get("/api/sql", query_string=params)
    assert response.status_code == status
    assert says in response.json["error"]


@pytest.mark.catalogs
def test_api_snapshots_and_estimates(app: dash.Dash, newest: int) -> None:
    client = app.server.test_client()
    snapshots = client.get("/api/snapshots").json
    assert snapshots["latest"] == newest and snapshots["snapshots"][0]["snapshot_id"] == newest
    found = client.get("/api/estimates", query_string={"subject": "deepseek-v3"}).json
    assert found["snapshot_id"] == newest and found["subject"] == "deepseek-v3"
    assert {e["estimator"] for e in found["estimates"]} >= {"cloud_rental", "compute_6nd"}
    assert isinstance(found["estimates"][0]["as_of"], str)
    assert client.get("/api/estimates").status_code == 400
    unknown = client.get("/api/estimates", query_string={"subject": "deepseek-v4"})
    assert unknown.status_code == 404 and "did you mean" in unknown.json["error"]
    typo = client.get("/api/estimate")
    assert typo.status_code == 404 and "/api/estimates" in typo.json["error"]


# -------------------------------------------------------------------------- pages


def test_overview_draws_one_line_per_estimator_and_the_claims(
    app: dash.Dash, context: None, newest: int
) -> None:
    overview = page("overview")
    charts, reconciliation, claim_rows, _options, status, state = overview.update(
        newest, ["deepseek-v3"]
    )
    figures = [chart.children.figure for chart in charts]
    lines = {t.meta["estimator"] for f in figures for t in f.data if t.meta["kind"] == "estimate"}
    assert lines == {
        "cloud_rental",
        "amortized_hardware_energy",
        "compute_6nd",
        "hardware_acquisition",
    }
    assert any(t.meta["kind"] == "claims" for f in figures for t in f.data)
    assert {r["claim_id"] for r in reconciliation} >= {"v3-training-cost-final-run"}
    # Below, every claim of the subject: an input no chart draws, a restatement left out.
    standing = {r["claim_id"]: r["evidence"] for r in claim_rows}
    assert standing["v3-gpu-hours-total"] == "yes"
    assert standing["cnbc-v3-final-run-cost"].startswith(
        "no: restates claim v3-training-cost-final-run"
    )
    assert status == "the newest snapshot"
    assert state["search"] == f"?snapshot={newest}&subject=deepseek-v3"


def test_overview_falls_back_to_the_story_and_says_when_estimates_are_missing(
    app: dash.Dash, context: None
) -> None:
    overview = page("overview")
    *_, state = overview.update(30, ["no-such-subject"])
    assert "subject=deepseek-v3&subject=deepseek" in state["search"]
    charts, *_ = overview.update(30, ["deepseek-v3"])
    assert "costboard estimate" in charts[0].children


def test_a_layout_pins_the_urls_reference_or_says_why_not(
    app: dash.Dash, context: None, newest: int
) -> None:
    overview = page("overview")

    def selected(layout: Any) -> int:
        return next(c for c in _walk(layout) if getattr(c, "id", None) == "overview-snapshot").value

    assert selected(overview.layout()) == newest
    assert selected(overview.layout(snapshot=TAG)) < newest
    bad = overview.layout(snapshot="no-such-tag")
    assert selected(bad) == newest
    assert any("showing the newest snapshot" in str(getattr(c, "children", "")) for c in _walk(bad))


def _walk(component: Any) -> Iterator[Any]:
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def test_market_puts_the_589b_claim_next_to_the_computed_move(
    app: dash.Dash, context: None, newest: int
) -> None:
    market = page("market")
    _chart, rows, cards, _status, state = market.update(
        newest, ["NVDA", "AVGO"], "indexed", "2025-01-02", "2025-02-28", "2025-01-27", "2025-01-27"
    )
    bloomberg = next(r for r in rows if r["claim_id"] == "nvda-mcap-change-bloomberg")
    assert bloomberg["claim_value"] == -589e9 and bloomberg["ratio"] == pytest.approx(
        0.98, abs=0.01
    )
    pair = next(r for r in rows if r["subject"] == "nvidia-broadcom")
    assert pair["market_cap_change"] == pytest.approx(-798e9, rel=0.01)
    assert len(cards) == 3
    nvda = next(c for c in cards if "NVDA" in c.children[0].children)
    sources = [c.href for c in nvda.children[2].children if hasattr(c, "href")]
    assert len(sources) == 4 and all(s.startswith("https://") for s in sources)
    assert "window_start=2025-01-27" in state["search"]


def test_claims_pages_and_filters(app: dash.Dash, context: None, newest: int) -> None:
    claims = page("claims")
    block = claims.page_of(
        newest,
        {
            "startRow": 0,
            "endRow": 50,
            "sortModel": [{"colId": "value", "sort": "desc"}],
            "filterModel": {
                "claimant": {"filterType": "text", "type": "contains", "filter": "semi"}
            },
        },
    )
    assert 0 < len(block["rowData"]) == block["rowCount"] <= 50
    assert all("SemiAnalysis" in r["claimant"] for r in block["rowData"])
    assert all(r["source_href"].startswith("https://") for r in block["rowData"])
    assert claims.parse_filter('{"subject": {"filterType": "text", "type": "nope"}}') == {}
    assert claims.parse_filter("not json") == {}
    title, versions = claims.versions(REVISED_CLAIM, newest)
    assert REVISED_CLAIM in title and len(versions.children[1].rowData) == 2


def test_history_diffs_two_snapshots_and_shows_estimate_moves(
    app: dash.Dash, context: None, newest: int
) -> None:
    history = page("history")
    revised = newest - 1  # support.py: the revision, then an estimate run
    sections, moves, state = history.compare(newest, revised - 1, revised)
    assert any("claims: 1 changed" in str(getattr(s, "children", "")) for s in sections)
    assert moves and state["search"].endswith(f"old={revised - 1}&new={revised}")
    _sections, moves, _state = history.compare(newest, 30, newest)
    assert {m["change"] for m in moves} == {"added"}


def test_the_sql_page_runs_a_query_and_refuses_a_drop(
    app: dash.Dash, context: None, newest: int
) -> None:
    sql = page("sql")
    columns, rows, status, _line, state = sql.results("SELECT 41 + 1 AS answer", newest)
    assert [c["headerName"] for c in columns] == ["answer"] and rows == [{"c0": 42}]
    assert "1 row(s)" in status.children and "q=SELECT+41+%2B+1+AS+answer" in state["search"]
    columns, rows, status, *_ = sql.results("DROP TABLE claim_records", newest)
    assert (columns, rows) == ([], []) and "refused" in status.children


def test_plugins_list_every_estimator_with_its_status_and_parameters(
    app: dash.Dash, context: None, newest: int
) -> None:
    plugins = page("plugins")
    rows, summary, _status = plugins.status(newest)
    assert {r["estimator"] for r in rows} >= {"cloud_rental", "fleet_ownership", "market_cap_move"}
    assert all(r["status"] == "ok" and r["distribution"] == "costboard" for r in rows)
    assert "nothing written" in summary.children
    parameters, description, _state = plugins.parameters("cloud_rental", newest)
    rental = next(p for p in parameters if p["parameter"] == "rental_price")
    assert "DeepSeek-V3 report" in rental["source"] and rental["value"] == 2.0
    assert description.startswith("cloud_rental v")


def test_what_if_recomputes_live_and_writes_nothing(
    app: dash.Dash, context: None, warehouse: WarehouseConfig, newest: int
) -> None:
    what_if = page("what_if")
    before = snapshot_count(warehouse)
    cards, charts, rows, _notes, _status, state = what_if.scenario(
        newest, ["deepseek-v3"], {"rental_price": 4.0}
    )
    rental = next(r for r in rows if r["estimator"] == "cloud_rental")
    assert rental["value"] == pytest.approx(5.576e6) and rental["ratio"] == pytest.approx(2.0)
    assert charts and cards
    assert "rental_price=4.0" in state["search"]
    assert snapshot_count(warehouse) == before
    *_, notes, _status, _state = what_if.scenario(newest, ["deepseek-v3"], {"nonsense": 1.0})
    assert "unknown parameter 'nonsense'" in notes.children


def test_what_if_overrides_come_from_the_url(app: dash.Dash, context: None) -> None:
    from costboard.dashboard import estimators

    known = estimators.parameters()
    assert set(estimators.WHAT_IF_PARAMETERS) <= set(known)
    assert estimators.parse_overrides(
        {"rental_price": "2.5", "pue": ["1.3"], "utilization": "x", "subject": "a"}, known
    ) == {"rental_price": 2.5, "pue": 1.3}


def test_the_evidence_is_the_snapshot_the_stored_estimates_used(
    app: dash.Dash, context: None, newest: int
) -> None:
    from costboard.dashboard import components as ui
    from costboard.dashboard import estimators

    run = estimators.run_live(ui.reader(), newest, {})
    stored = ui.reader().estimates(newest, ["deepseek-v3"])
    live = run.estimates.filter(pl.col("subject") == "deepseek-v3")
    key = ["estimator", "metric", "scope", "as_of"]
    joined = stored.join(live, on=key, suffix="_live")
    assert joined.height == stored.height
    assert (joined["value"] - joined["value_live"]).abs().max() == pytest.approx(0)
    assert run.evidence_snapshot == newest - 1 and isinstance(stored["as_of"][0], dt.date)


def test_the_market_pages_window_moves_are_the_stored_market_cap_move_estimates(
    app: dash.Dash, context: None, warehouse: WarehouseConfig, newest: int, tmp_path: Path
) -> None:
    """One definition of a window move: the page shows what `estimate --window` stores."""
    import shutil

    home = tmp_path / "copy"
    shutil.copytree(warehouse.home, home)
    stored = CliRunner().invoke(
        main, ["--home", str(home), "estimate", "--window", "2025-01-27:2025-01-28"]
    )
    assert stored.exit_code == 0, stored.output
    with lake.connect(WarehouseConfig.resolve(home)) as connection:
        expected = dict(
            connection.execute(
                "SELECT subject, value FROM estimate_records WHERE scope = 'window' "
                "AND as_of = DATE '2025-01-28'"
            ).fetchall()
        )
    window = page("market").Window(dt.date(2025, 1, 27), dt.date(2025, 1, 28))
    table, _ = page("market").window_rows(newest, ["NVDA", "AVGO"], window)
    shown = dict(table.unique("subject").select("subject", "market_cap_change").iter_rows())
    assert set(shown) == {"NVDA", "AVGO", "nvidia-broadcom"}
    for subject, move in shown.items():
        assert move == expected[subject], subject
    # 27 Jan's loss and 28 Jan's partial rebound: the group lost about $500B over the two days.
    assert -700e9 < shown["nvidia-broadcom"] < -300e9


def test_a_hanging_plugin_costs_the_what_if_page_one_time_limit_per_snapshot(
    app: dash.Dash,
    context: None,
    newest: int,
    costboard_plugin: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.plugins.test_pipeline import Hanging

    monkeypatch.setenv("COSTBOARD_ESTIMATOR_TIMEOUT", "3")
    hanging = Hanging()
    costboard_plugin(hanging, name="hanging")
    try:
        for price in (2.5, 3.0, 3.5):
            *_, notes, _, _ = page("what_if").scenario(
                newest, ["deepseek-v3"], {"rental_price": price}
            )
        assert hanging.calls == 1
        assert "hangs: skipped: not re-run on evidence snapshot" in str(notes)
    finally:
        hanging.release.set()
