"""Load: ``costboard serve`` (gunicorn, 2 workers) answers 8 clients on its pages and
``/api/sql`` with nothing but 200s, idle and while ``costboard ingest`` commits a snapshot
about every second (benchmarks/load.py; ``make soak`` runs the same for 5 minutes).

The latencies are reported (printed, and written to ``load-report.json`` in the test's tmp
dir), never asserted: a duration depends on the machine. The ingest loop's pacing clock is
a ``threading.Event.wait(timeout)`` in the driver, not a sleep in the test.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from benchmarks import load
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from tests.browser.support import dashboard_home

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get(load.SECONDS_ENV, "15"))


# The suite's 300 s limit per test, plus both phases (`make soak` runs 5 minutes).
@pytest.mark.timeout(300 + 2 * SECONDS)
def test_pages_and_sql_answer_200_under_load_while_ingests_commit(
    demo_home_template: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(dashboard_home(demo_home_template, tmp_path / "built"), home)
    config = WarehouseConfig.resolve(home)
    with lake.connect(config) as connection:
        (before,) = connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()

    result = load.run(home, tmp_path / "run", seconds=SECONDS, clients=8)
    text = load.report(result, tmp_path / "load-report.json")
    print(f"\nload report ({tmp_path / 'load-report.json'}):\n{text}")

    assert result.errors == [], result.errors[:20]
    summary = json.loads(text)
    assert summary["idle"]["requests"] > 0 and summary["during_ingest"]["requests"] > 0
    # Each ingest committed its own snapshot, and the server answered across them.
    assert len(result.ingests) >= 2
    with lake.connect(config) as connection:
        (after,) = connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()
        (loaded,) = connection.execute(
            "SELECT count(*) FROM claims WHERE claimant = 'Load test'"
        ).fetchone()
    assert after - before == len(result.ingests) == loaded
