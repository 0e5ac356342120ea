"""The one pipeline: which evidence a snapshot's estimates use, the circuit breaker of live
runs, and the time limits a user sets."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from costboard import Estimator, hookimpl
from costboard.plugins import default_cloud_rental, pipeline
from costboard.plugins.manager import PluginManager, time_limit
from costboard.testing import (
    costboard_plugin,  # noqa: F401  (the fixture)
    sample_evidence,
)
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall, write

pytestmark = pytest.mark.catalogs

RENTAL = default_cloud_rental.ESTIMATOR


class Hanging:
    """A plugin whose estimator blocks until released, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()

    @hookimpl
    def costboard_estimators(self) -> list[Estimator]:
        def estimate(evidence: Any, params: Any) -> pl.DataFrame:
            self.calls += 1
            self.release.wait(600)
            raise RuntimeError("released")

        outputs = (("training_cost", "final_run"),)
        # The rental price as a parameter, so a what-if override of it reaches this plugin.
        return [Estimator("hangs", "1", estimate, outputs, RENTAL.parameters)]


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    plugin = Hanging()
    yield plugin
    plugin.release.set()


def plugin_threads() -> int:
    return sum(
        t.name.startswith("costboard-plugin-") and t.is_alive() for t in threading.enumerate()
    )


def test_a_hanging_plugin_costs_one_time_limit_per_evidence_snapshot(hanging: Hanging) -> None:
    manager = PluginManager(entry_points=False)
    manager.register(hanging, name="hanging")
    breaker = pipeline.Breaker()
    evidence = dataclasses.replace(sample_evidence(), snapshot_id=7)
    threads = plugin_threads()
    statuses = []
    for rental_price in (None, 2.5, 3.0):
        overrides = {} if rental_price is None else {"rental_price": rental_price}
        run = pipeline.run_estimators(
            evidence, overrides, manager=manager, timeout=0.5, breaker=breaker
        )
        statuses.append({s.estimator: s for s in run.statuses}["hangs"])
    assert hanging.calls == 1
    assert [s.status for s in statuses] == ["timeout", "skipped", "skipped"]
    assert "not re-run on evidence snapshot 7 after timeout" in (statuses[1].error or "")
    assert plugin_threads() == threads + 1  # one abandoned thread, not one per run
    # A new snapshot gives the plugin another chance.
    newer = dataclasses.replace(evidence, snapshot_id=8)
    run = pipeline.run_estimators(newer, manager=manager, timeout=0.5, breaker=breaker)
    assert hanging.calls == 2 and [s.status for s in run.statuses] == ["timeout"]


def test_without_a_breaker_every_run_tries_the_plugin_again(hanging: Hanging) -> None:
    manager = PluginManager(entry_points=False)
    manager.register(hanging, name="hanging")
    for _ in range(2):
        pipeline.run_estimators(sample_evidence(), manager=manager, timeout=0.3)
    assert hanging.calls == 2


def test_the_time_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTBOARD_HOOK_TIMEOUT", "2.5")
    assert PluginManager(entry_points=False).hook_timeout == 2.5
    monkeypatch.setenv("COSTBOARD_ESTIMATOR_TIMEOUT", "0.25")
    assert time_limit("COSTBOARD_ESTIMATOR_TIMEOUT", 10.0) == 0.25
    monkeypatch.setenv("COSTBOARD_ESTIMATOR_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="COSTBOARD_ESTIMATOR_TIMEOUT='soon' is not a number"):
        pipeline.run_estimators(sample_evidence(), manager=PluginManager(entry_points=False))
    monkeypatch.setenv("COSTBOARD_ESTIMATOR_TIMEOUT", "-1")
    with pytest.raises(ValueError, match="positive number of seconds"):
        time_limit("COSTBOARD_ESTIMATOR_TIMEOUT", 10.0)


def test_the_estimator_time_limit_option_reaches_every_estimator_run(
    config: WarehouseConfig,
    cli: CliCall,
    tmp_path: Path,
    hanging: Hanging,
    costboard_plugin,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COSTBOARD_ESTIMATOR_TIMEOUT", raising=False)
    costboard_plugin(hanging, name="hanging")
    subjects = write(tmp_path / "s.csv", "subject,kind\nm1,model\n")
    claims = write(
        tmp_path / "c.csv",
        "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
        "m1,gpu_hours,final_run,1000,gpu_hours,x,2024-12-27,https://example.org\n",
    )
    assert cli("ingest", str(subjects), str(claims), "-m", "one").exit_code == 0
    result = cli("--estimator-timeout", "0.5", "plugins", "--json")
    assert result.exit_code == 3  # a plugin failed
    assert '"status": "timeout"' in result.output and "after 0.5 s" in result.output


def test_the_evidence_of_a_warehouse_with_only_its_first_snapshot_is_none(
    config: WarehouseConfig,
) -> None:
    with lake.connect(config) as connection:
        assert pipeline.evidence_snapshot(connection) is None
    assert pipeline.load_evidence(config) is None
