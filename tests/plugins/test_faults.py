"""Each kind of plugin fault is recorded against that plugin, and the others' results are unchanged."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from importlib import metadata
from typing import Any

import polars as pl
import pytest

from costboard import Estimator, hookimpl
from costboard.plugins import default_cloud_rental, loading
from costboard.plugins.manager import PluginManager, built_in_names
from costboard.plugins.pipeline import run_estimators
from costboard.testing import sample_evidence
from costboard.warehouse.vocabulary import BUILT_IN

BUILT_INS = built_in_names()
EVIDENCE = sample_evidence()


def good_rows(evidence: Any, params: Any) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "subject": ["deepseek-v3"],
            "as_of": [dt.date(2025, 6, 1)],
            "metric": ["training_cost"],
            "scope": ["final_run"],
            "value": [1.0e6],
            "low": [0.5e6],
            "high": [2.0e6],
            "unit": ["usd"],
        }
    )


def estimator_plugin(estimate: Callable[..., Any], name: str = "faulty") -> object:
    """A plugin object providing one estimator with the given estimate function."""

    class Plugin:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            return [
                Estimator(
                    name=name,
                    version="1",
                    estimate=estimate,
                    outputs=(("training_cost", "final_run"),),
                )
            ]

    return Plugin()


@pytest.fixture(scope="module")
def baseline() -> pl.DataFrame:
    estimates, statuses = run_estimators(EVIDENCE, manager=PluginManager())
    # plugins that provide no estimator (the built-in vocabulary) have a status without one
    assert {s.estimator for s in statuses if s.status == "ok" and s.estimator} == BUILT_INS
    return estimates


def run_with(plugin: object, name: str = "faulty", **options: Any) -> tuple[pl.DataFrame, dict]:
    manager = PluginManager()
    manager.register(plugin, name=name)
    estimates, statuses = run_estimators(EVIDENCE, manager=manager, **options)
    return estimates, {s.estimator or s.plugin: s for s in statuses}


def assert_built_ins_unchanged(estimates: pl.DataFrame, baseline: pl.DataFrame) -> None:
    ours = estimates.filter(pl.col("estimator").is_in(list(BUILT_INS)))
    assert ours.equals(baseline)


def test_a_working_extra_plugin_adds_its_estimates_beside_the_built_ins(baseline) -> None:
    estimates, statuses = run_with(estimator_plugin(good_rows, name="extra"), name="extra")
    assert statuses["extra"].status == "ok"
    assert estimates.filter(pl.col("estimator") == "extra").height == 1
    assert_built_ins_unchanged(estimates, baseline)


def test_hook_costboard_estimators(baseline) -> None:
    """The hook's contract: each Estimator a plugin returns is loaded with its plugin's
    record, run on the evidence beside the built-ins, and its rows carry its name and version."""

    class Extra:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            return [Estimator("extra_model", "2", good_rows, (("training_cost", "final_run"),))]

    manager = PluginManager()
    manager.register(Extra(), name="extra")
    (loaded,) = [e for e in manager.estimators() if e.plugin.name == "extra"]
    assert (loaded.estimator.name, loaded.estimator.version) == ("extra_model", "2")
    assert (loaded.plugin.status, loaded.plugin.hooks) == ("ok", ("costboard_estimators",))
    estimates, statuses = run_estimators(EVIDENCE, manager=manager)
    assert {s.estimator: s.status for s in statuses}["extra_model"] == "ok"
    rows = estimates.filter(pl.col("estimator") == "extra_model")
    assert rows.select("estimator_version", "value").rows() == [("2", 1.0e6)]
    assert_built_ins_unchanged(estimates, baseline)


def bad_frame(**changes: Any) -> Callable[..., pl.DataFrame]:
    def estimate(evidence: Any, params: Any) -> pl.DataFrame:
        return good_rows(evidence, params).with_columns(
            pl.lit(v).alias(k) if not isinstance(v, pl.Expr) else v.alias(k)
            for k, v in changes.items()
        )

    return estimate


def raises(evidence: Any, params: Any) -> pl.DataFrame:
    raise RuntimeError("the model blew up")


def returns_a_dict(evidence: Any, params: Any) -> dict:
    return {"value": 1}


def lacks_a_column(evidence: Any, params: Any) -> pl.DataFrame:
    return good_rows(evidence, params).drop("high")


def wrong_type(evidence: Any, params: Any) -> pl.DataFrame:
    return good_rows(evidence, params).with_columns(pl.lit("soon").alias("as_of"))


def unknown_input(evidence: Any, params: Any) -> pl.DataFrame:
    return good_rows(evidence, params).with_columns(pl.lit(["made-up-claim"]).alias("inputs"))


def undeclared_output(evidence: Any, params: Any) -> pl.DataFrame:
    return good_rows(evidence, params).with_columns(pl.lit("training_total").alias("scope"))


FAULTS = {
    "exception": (raises, "RuntimeError: the model blew up"),
    "wrong return type": (returns_a_dict, "returned dict, not a polars DataFrame"),
    "missing column": (lacks_a_column, "missing column(s): high"),
    "wrong column type": (wrong_type, "wrong column type"),
    "NaN": (bad_frame(value=float("nan")), "NaN or infinite"),
    "infinity": (bad_frame(high=float("inf")), "NaN or infinite"),
    "negative cost": (bad_frame(value=-1.0, low=-2.0), "negative cost"),
    "low above value": (bad_frame(low=3.0e6, high=4.0e6), "low 3000000.0 > value"),
    "value above high": (bad_frame(high=0.9e6), "> high 900000.0"),
    "unknown claim id": (unknown_input, "not in the evidence: made-up-claim"),
    "undeclared output": (undeclared_output, "undeclared output training_cost/training_total"),
    "wrong unit": (bad_frame(unit="usd_million"), "unit 'usd_million' is not"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_faulty_estimate_is_recorded_and_the_others_are_unchanged(fault: str, baseline) -> None:
    estimate, message = FAULTS[fault]
    estimates, statuses = run_with(estimator_plugin(estimate))
    assert statuses["faulty"].status == "error"
    assert message in statuses["faulty"].error
    assert estimates.filter(pl.col("estimator") == "faulty").is_empty()
    assert {s.estimator for s in statuses.values() if s.status == "ok" and s.estimator} == BUILT_INS
    assert_built_ins_unchanged(estimates, baseline)


def test_a_hanging_estimator_times_out_without_hanging_the_run(baseline) -> None:
    release, calls = threading.Event(), []

    def hangs(evidence: Any, params: Any) -> pl.DataFrame:
        calls.append(1)
        release.wait(600)  # far past any limit: only abandoning the thread ends the run
        return good_rows(evidence, params)

    try:
        # Generous: the limit applies to the built-ins too, on a machine that may be busy.
        estimates, statuses = run_with(estimator_plugin(hangs), timeout=5.0)
        # The run came back while the estimator was still blocked: abandoned, not awaited.
        assert calls == [1] and not release.is_set()
    finally:
        release.set()
    assert statuses["faulty"].status == "timeout"
    assert "abandoned" in statuses["faulty"].error
    assert_built_ins_unchanged(estimates, baseline)


def test_an_exception_in_the_hook_itself_is_recorded_against_the_plugin(baseline) -> None:
    class Broken:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            raise ValueError("cannot list")

    estimates, statuses = run_with(Broken(), name="broken")
    assert statuses["broken"].status == "error"
    assert "costboard_estimators failed: ValueError: cannot list" in statuses["broken"].error
    assert_built_ins_unchanged(estimates, baseline)


@pytest.mark.parametrize(
    ("returned", "message"),
    [(None, "got NoneType"), ({"a": 1}, "got dict"), (["not an estimator"], "found str")],
)
def test_a_hook_returning_the_wrong_type_is_recorded(
    returned: object, message: str, baseline
) -> None:
    class Wrong:
        @hookimpl
        def costboard_estimators(self) -> object:
            return returned

    estimates, statuses = run_with(Wrong(), name="wrong")
    assert statuses["wrong"].status == "error"
    assert message in statuses["wrong"].error
    assert_built_ins_unchanged(estimates, baseline)


def test_an_unsound_estimator_definition_is_recorded(baseline) -> None:
    class Unsound:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            return [Estimator("Bad Name", "", good_rows, (("training_cost", "nowhere"),))]

    _, statuses = run_with(Unsound(), name="unsound")
    error = statuses["unsound"].error
    assert "is not lower_case_with_underscores" in error
    assert "needs a version" in error
    assert "unknown scope 'nowhere'" in error


@pytest.mark.parametrize("copycat_first", [False, True], ids=["after", "before"])
def test_a_plugin_providing_a_built_in_name_is_refused_and_the_built_in_runs(
    copycat_first: bool, baseline
) -> None:
    manager = PluginManager(entry_points=not copycat_first)
    copycat = estimator_plugin(good_rows, name="cloud_rental")
    manager.register(copycat, name="aaa-copycat")  # sorts before every built-in
    if copycat_first:
        manager.register(default_cloud_rental, name="cloud_rental")
    estimates, statuses = run_estimators(EVIDENCE, manager=manager)
    by_plugin = {s.plugin: s for s in statuses}
    assert by_plugin["aaa-copycat"].status == "error"
    assert by_plugin["aaa-copycat"].error == (
        "estimator name 'cloud_rental' is reserved for costboard's built-in estimator: rename it"
    )
    assert by_plugin["cloud_rental"].status == "ok"
    rental = estimates.filter(pl.col("estimator") == "cloud_rental")
    assert rental.equals(baseline.filter(pl.col("estimator") == "cloud_rental"))


def test_two_third_party_plugins_with_one_name_are_both_refused_each_naming_the_other(
    baseline,
) -> None:
    manager = PluginManager()
    manager.register(estimator_plugin(good_rows, name="shared_name"), name="first")
    manager.register(estimator_plugin(good_rows, name="shared_name"), name="second")
    estimates, statuses = run_estimators(EVIDENCE, manager=manager)
    by_plugin = {s.plugin: s for s in statuses}
    assert by_plugin["first"].status == by_plugin["second"].status == "error"
    assert "also provided by plugin 'second'" in (by_plugin["first"].error or "")
    assert "also provided by plugin 'first'" in (by_plugin["second"].error or "")
    assert estimates.filter(pl.col("estimator") == "shared_name").is_empty()
    assert_built_ins_unchanged(estimates, baseline)


def test_a_hanging_hook_is_recorded_as_failed() -> None:
    release = threading.Event()

    class Slow:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            release.wait(600)
            return []

    manager = PluginManager(entry_points=False, hook_timeout=0.3)
    manager.register(Slow(), name="slow")
    try:
        assert manager.estimators() == []
        assert not release.is_set()
    finally:
        release.set()
    assert "PluginTimeout" in manager.records["slow"].error


def test_a_misspelt_hook_is_reported_by_check_pending_and_the_plugin_set_aside(baseline) -> None:
    class Misspelt:
        @hookimpl
        def costboard_estimator(self) -> list[Estimator]:  # no such hook: the s is missing
            return []

    estimates, statuses = run_with(Misspelt(), name="misspelt")
    assert statuses["misspelt"].status == "error"
    assert "unknown hook 'costboard_estimator'" in statuses["misspelt"].error
    assert_built_ins_unchanged(estimates, baseline)


def test_a_hook_implementation_with_wrong_arguments_is_recorded(baseline) -> None:
    class WrongArguments:
        @hookimpl
        def costboard_estimators(self, evidence: object) -> list[Estimator]:
            return []

    estimates, statuses = run_with(WrongArguments(), name="wrong_args")
    assert statuses["wrong_args"].status == "error"
    assert "cannot register" in statuses["wrong_args"].error
    assert_built_ins_unchanged(estimates, baseline)


def fake_entry_points(*extra: metadata.EntryPoint) -> Callable[..., list[metadata.EntryPoint]]:
    real = list(metadata.entry_points(group="costboard"))

    def entry_points(group: str) -> list[metadata.EntryPoint]:
        assert group == "costboard"
        return [*real, *extra]

    return entry_points


def test_a_plugin_that_fails_to_import_is_recorded_and_the_others_load(
    monkeypatch: pytest.MonkeyPatch, baseline
) -> None:
    missing = metadata.EntryPoint("ghost", "costboard_ghost_plugin_not_installed", "costboard")
    monkeypatch.setattr(loading.metadata, "entry_points", fake_entry_points(missing))
    manager = PluginManager()
    estimates, statuses = run_estimators(EVIDENCE, manager=manager)
    record = manager.records["ghost"]
    assert record.status == "error"
    assert record.error.startswith("import failed: ModuleNotFoundError")
    ghost = [s for s in statuses if s.plugin == "ghost"]
    assert ghost and ghost[0].status == "error"
    assert_built_ins_unchanged(estimates, baseline)


def test_the_allow_list_loads_only_the_named_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTBOARD_PLUGINS", "cloud_rental, compute_6nd")
    manager = PluginManager()
    assert {e.estimator.name for e in manager.estimators()} == {"cloud_rental", "compute_6nd"}
    disabled = {r.name for r in manager.plugins() if r.status == "disabled"}
    # every other plugin, the built-in vocabulary's too (the vocabulary merge starts from the
    # built-in one all the same, so ingest keeps its metrics)
    assert disabled == {r.name for r in manager.plugins()} - {"cloud_rental", "compute_6nd"}
    assert manager.vocabulary() == BUILT_IN
    assert manager.records["fleet_ownership"].error == "not in COSTBOARD_PLUGINS"


def test_an_empty_allow_list_loads_no_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTBOARD_PLUGINS", "")
    assert PluginManager().estimators() == []


def test_the_block_list_disables_the_named_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTBOARD_DISABLE_PLUGINS", "market_cap_move")
    manager = PluginManager()
    assert {e.estimator.name for e in manager.estimators()} == BUILT_INS - {"market_cap_move"}
    assert manager.records["market_cap_move"].status == "disabled"
    assert manager.records["market_cap_move"].error == "blocked by COSTBOARD_DISABLE_PLUGINS"
    _, statuses = run_estimators(EVIDENCE, manager=manager)
    assert {s.plugin: s.status for s in statuses}["market_cap_move"] == "disabled"


def test_the_allow_list_accepts_distribution_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTBOARD_PLUGINS", "costboard")
    assert {e.estimator.name for e in PluginManager().estimators()} == BUILT_INS
