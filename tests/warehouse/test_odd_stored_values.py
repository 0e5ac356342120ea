"""A date Python cannot hold, stored by an older costboard, is shown as text, never a failure.

The value is written with the real writer past validation (an UPDATE in the lake, as an old
costboard without the date range would have stored it), then read through each surface the
issue found failing: ``costboard sql`` (table and json), ``/api/claims``, the overview's and
the ladder's claim tables.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask_caching.backends import SimpleCache

from costboard.cli import main
from costboard.dashboard.app import create_app
from costboard.warehouse import ingest, lake, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.lake import LAKE
from costboard.warehouse.tables import CLAIMS
from costboard.warehouse.writer import TableChanges
from tests.conftest import cli_options, write
from tests.warehouse.test_validation import GOOD_ROW, HEADER, SUBJECTS

pytestmark = pytest.mark.catalogs


@pytest.fixture
def odd(config: WarehouseConfig, tmp_path: Path) -> WarehouseConfig:
    subjects = write(tmp_path / "subjects.csv", SUBJECTS)
    claims = write(tmp_path / "claims.csv", HEADER + GOOD_ROW)
    ingest.ingest(config, [subjects, claims], message="a good claim", today=dt.date(2026, 1, 1))

    def plant(connection) -> dict[str, TableChanges]:  # type: ignore[no-untyped-def]
        connection.execute(f"UPDATE {LAKE}.{CLAIMS.name} SET stated_on = DATE '0000-01-01'")
        return {"claims": TableChanges(changed=1)}

    writer.write(config, plant, message="what an older costboard could store")
    with lake.connect(config, read_only=True) as connection:
        text = connection.execute("SELECT year(stated_on) FROM claims").fetchone()[0]
    assert text == 0  # year 0: the value polars prints as 0000-01-01
    return config


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_costboard_sql_prints_the_odd_date_as_text(odd: WarehouseConfig, fmt: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            *cli_options(odd, explicit=True),
            "sql",
            "--format",
            fmt,
            "SELECT claim_id, stated_on FROM claims",
        ],
    )
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.output) == [{"claim_id": "v3-cost", "stated_on": "0000-01-01"}]
    else:
        assert "0000-01-01" in result.output


def test_the_api_and_the_pages_show_the_odd_date_as_text(odd: WarehouseConfig) -> None:
    app = create_app(odd, cache=SimpleCache(threshold=0), warm=False)
    response = app.server.test_client().get("/api/claims?subject=deepseek-v3")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [c["stated_on"] for c in response.get_json()["claims"]] == ["0000-01-01"]
    with lake.connect(odd, read_only=True) as connection:
        newest = connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0]
    with app.server.test_request_context("/"):
        overview = importlib.import_module("costboard.dashboard.pages.overview")
        _charts, _reconciliation, claim_rows, *_ = overview.update(newest, ["deepseek-v3"])
        assert [r["stated"] for r in claim_rows] == ["0000-01-01"]
        ladder = importlib.import_module("costboard.dashboard.pages.ladder")
        _chart, rows, *_ = ladder.update(newest, "deepseek-v3")
        assert "0000-01-01" in json.dumps(rows)
