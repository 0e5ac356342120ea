"""The ``costboard_vocabulary`` hook: plugins extend the vocabulary; faulty definitions are refused.

The merge rules are tested on ``vocabulary.merge`` directly, the manager's handling on plugin
objects registered in-process, and the whole path (entry point, ``costboard ingest``,
``costboard plugins``) on a real package pip-installed into a temporary folder that only the
subprocesses see, so the shared virtual environment is never changed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from costboard import Estimator, Metric, Unit, Vocabulary, hookimpl, to_estimates
from costboard.plugins import default_vocabulary
from costboard.plugins.estimator import active_vocabulary, using_vocabulary
from costboard.plugins.manager import PluginManager, built_in_names
from costboard.testing import (
    check_estimator,
    costboard_plugin,  # noqa: F401  (the fixture)
    run_plugin,
    sample_evidence,
)
from costboard.warehouse import lake, readers, validate, validate_claims
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import IngestError
from costboard.warehouse.vocabulary import BUILT_IN, merge

WATER = Vocabulary(
    metrics=(Metric("water_use", "litres", False, "water a data centre used"),),
    units=(
        Unit("litres", "litres", 1.0, "litres"),
        Unit("megalitres", "litres", 1e6, "millions of litres"),
        Unit("days", "hours", 24.0, "days"),  # a built-in, repeated exactly: allowed
    ),
    scopes={"site": "one data-centre site"},
    subject_kinds=("datacenter",),
)
STRAY_UNIT = Vocabulary(units=(Unit("furlongs", "metres", 201.168, "furlongs"),))
UNITLESS_METRIC = Vocabulary(metrics=(Metric("reach", "metres", False, "how far"),))
REDEFINES_DAYS = Vocabulary(units=(Unit("days", "hours", 8.0, "working days"),))


# --- the merge rules ----------------------------------------------------------------------


def test_a_sound_contribution_extends_the_built_in_vocabulary() -> None:
    merged, problems = merge([("water", WATER)])
    assert problems == {}
    assert merged.metric_table["water_use"].base_unit == "litres"
    assert merged.unit_table["megalitres"].factor == 1e6
    assert merged.scopes["site"] == "one data-centre site"
    assert merged.subject_kinds == (*BUILT_IN.subject_kinds, "datacenter")
    assert merged.unit_fits_metric("megalitres", "water_use")
    assert merged.unit_table["days"] == BUILT_IN.unit_table["days"]
    assert set(BUILT_IN.metric_table) < set(merged.metric_table)


def test_a_unit_whose_base_no_metric_uses_is_refused() -> None:
    merged, problems = merge([("stray", STRAY_UNIT)])
    assert problems == {
        "stray": [
            "unit 'furlongs' converts to 'metres', the base unit of no metric "
            "(define a metric with that base unit, or use an existing base unit)"
        ]
    }
    assert "furlongs" not in merged.unit_table


def test_a_metric_whose_base_unit_is_not_a_unit_is_refused() -> None:
    merged, problems = merge([("unitless", UNITLESS_METRIC)])
    assert problems["unitless"] == [
        "metric 'reach': its base unit 'metres' is not a unit "
        "(add Unit('metres', 'metres', 1.0, ...))"
    ]
    assert "reach" not in merged.metric_table


def test_a_built_in_redefined_differently_is_refused_and_the_built_in_kept() -> None:
    merged, problems = merge([("vocabulary", BUILT_IN), ("workdays", REDEFINES_DAYS)])
    assert problems == {
        "workdays": ["unit 'days' is already defined differently by the built-in vocabulary"]
    }
    assert merged.unit_table["days"].factor == 24.0


def test_two_plugins_defining_one_name_differently_are_both_refused_in_either_order() -> None:
    a = Vocabulary(scopes={"pilot": "a pilot run"})
    b = Vocabulary(scopes={"pilot": "a pilot study"})
    for order in ([("a", a), ("b", b)], [("b", b), ("a", a)]):
        merged, problems = merge(order)
        assert problems == {
            "a": ["scope 'pilot' is also defined differently by plugin 'b'"],
            "b": ["scope 'pilot' is also defined differently by plugin 'a'"],
        }
        assert "pilot" not in merged.scopes
    same, problems = merge([("a", a), ("a2", Vocabulary(scopes={"pilot": "a pilot run"}))])
    assert problems == {} and same.scopes["pilot"] == "a pilot run"


@pytest.mark.parametrize(
    ("contribution", "message"),
    [
        (Vocabulary(subject_kinds=("Data Centre",)), "subject kind 'Data Centre' is not"),
        (Vocabulary(scopes={"site": " "}), "scope 'site' needs a description"),
        (
            Vocabulary(units=(Unit("hl", "litres", 0.0, "x"),), metrics=WATER.metrics),
            "unit 'hl': factor 0.0 is not a positive number",
        ),
        (
            Vocabulary(units=(Unit("week_start", "date", 7.0, "x"),)),
            "unit 'week_start': a date unit's factor must be 1",
        ),
        (Vocabulary(metrics=("water_use",)), "metric 'water_use' is not a Metric"),  # type: ignore[arg-type]
        (Vocabulary(units=(Unit("Litres", "usd", 1.0, "x"),)), "unit name 'Litres' is not"),
    ],
)
def test_an_unsound_contribution_is_refused_whole(contribution: Vocabulary, message: str) -> None:
    merged, problems = merge([("bad", contribution)])
    assert any(p.startswith(message) for p in problems["bad"]), problems
    assert merged == merge([])[0]


# --- validation takes the vocabulary --------------------------------------------------------

HEADER = "subject,metric,scope,value,unit,claimant,stated_on,source_url"


def test_validation_accepts_a_plugin_metric_only_with_the_merged_vocabulary() -> None:
    text = HEADER + "\nsite-1,water_use,site,2.5,megalitres,x,2025-01-01,https://a.org/1\n"
    table = readers.read_csv(Path("claims.csv"), text)
    merged, _ = merge([("water", WATER)])
    (row,) = validate_claims.claims(table, today=dt.date(2026, 1, 1), vocabulary=merged).to_dicts()
    assert (row["value"], row["unit"], row["unit_as_written"]) == (2.5e6, "litres", "megalitres")
    with pytest.raises(IngestError) as caught:
        validate_claims.claims(table, today=dt.date(2026, 1, 1))
    assert [e.field for e in caught.value.errors] == ["metric", "scope", "unit"]


def test_did_you_mean_suggests_from_the_merged_vocabulary() -> None:
    text = HEADER + "\nsite-1,water_usage,site,2.5,megalitres,x,2025-01-01,https://a.org/1\n"
    merged, _ = merge([("water", WATER)])
    with pytest.raises(IngestError) as caught:
        validate_claims.claims(
            readers.read_csv(Path("c.csv"), text), today=dt.date(2026, 1, 1), vocabulary=merged
        )
    (error,) = caught.value.errors
    assert error.message == "unknown metric 'water_usage' (did you mean 'water_use'?)"


def test_subject_kinds_come_from_the_vocabulary() -> None:
    table = readers.read_csv(Path("s.csv"), "subject,kind\nsite-1,datacenter\n")
    merged, _ = merge([("water", WATER)])
    assert validate.subjects(table, today=dt.date(2026, 1, 1), vocabulary=merged).height == 1
    with pytest.raises(IngestError):
        validate.subjects(table, today=dt.date(2026, 1, 1))


# --- the manager -------------------------------------------------------------------------


class VocabularyPlugin:
    def __init__(self, vocabulary: object) -> None:
        self.vocabulary = vocabulary

    @hookimpl
    def costboard_vocabulary(self) -> object:
        if isinstance(self.vocabulary, Exception):
            raise self.vocabulary
        return self.vocabulary


def water_estimate(evidence: object, params: object) -> pl.DataFrame:
    rows = pl.DataFrame({"subject": ["deepseek-v3"], "as_of": [dt.date(2025, 1, 1)]})
    # no unit given: to_estimates reads water_use's base unit from the active vocabulary
    return to_estimates(rows, metric="water_use", scope="site", value=pl.lit(7.0))


WATER_ESTIMATOR = Estimator("water_probe", "1", water_estimate, (("water_use", "site"),))


class WaterPlugin(VocabularyPlugin):
    @hookimpl
    def costboard_estimators(self) -> list[Estimator]:
        return [WATER_ESTIMATOR]


def test_the_manager_merges_good_plugins_and_records_each_faulty_one() -> None:
    manager = PluginManager(entry_points=False)
    manager.register(VocabularyPlugin(BUILT_IN), "vocabulary")
    manager.register(VocabularyPlugin(WATER), "water")
    manager.register(VocabularyPlugin(STRAY_UNIT), "stray")
    manager.register(VocabularyPlugin(UNITLESS_METRIC), "unitless")
    manager.register(VocabularyPlugin(REDEFINES_DAYS), "workdays")
    manager.register(VocabularyPlugin(RuntimeError("no table")), "raises")
    manager.register(VocabularyPlugin({"metrics": []}), "wrong_type")
    vocabulary = manager.vocabulary()
    assert "water_use" in vocabulary.metric_table and "furlongs" not in vocabulary.unit_table
    status = {r.name: (r.status, r.error) for r in manager.plugins()}
    assert status["vocabulary"] == ("ok", None) and status["water"] == ("ok", None)
    assert status["stray"][0] == "error" and "unit 'furlongs'" in status["stray"][1]
    assert "base unit 'metres' is not a unit" in status["unitless"][1]
    assert "unit 'days' is already defined differently" in status["workdays"][1]
    assert status["raises"][1].startswith("costboard_vocabulary failed: RuntimeError: no table")
    assert "expected a Vocabulary, got dict" in status["wrong_type"][1]
    assert all(
        status[n][1].startswith("costboard_vocabulary ")
        for n in ("stray", "unitless", "workdays", "raises", "wrong_type")
    )


def test_hook_costboard_vocabulary() -> None:
    """The hook's contract: a plugin's Vocabulary is merged onto the built-in one, so its
    metrics, units, scopes and subject kinds are known beside costboard's own."""

    class Water:
        @hookimpl
        def costboard_vocabulary(self) -> Vocabulary:
            return WATER

    manager = PluginManager()
    manager.register(Water(), "water")
    merged = manager.vocabulary()
    assert merged.unit_fits_metric("megalitres", "water_use")
    assert merged.unit_table["megalitres"].factor == 1e6
    assert merged.scopes["site"] == "one data-centre site"
    assert "datacenter" in merged.subject_kinds
    assert set(BUILT_IN.metric_table) < set(merged.metric_table)
    record = manager.records["water"]
    assert (record.status, record.hooks) == ("ok", ("costboard_vocabulary",))


class CountingWaterPlugin(WaterPlugin):
    """Offers the water vocabulary and an estimator, and counts the estimator hook's calls."""

    def __init__(self, vocabulary: object) -> None:
        super().__init__(vocabulary)
        self.calls = 0

    @hookimpl
    def costboard_estimators(self) -> list[Estimator]:
        self.calls += 1
        return [WATER_ESTIMATOR]


def test_vocabulary_and_importers_are_collected_without_calling_any_estimator_hook() -> None:
    plugin = CountingWaterPlugin(WATER)
    manager = PluginManager()
    manager.register(plugin, "water")
    assert "water_use" in manager.vocabulary().metric_table
    assert "claims" in [i.name for i in manager.importers()]
    assert plugin.calls == 0
    # the probe works: asking for the estimators does call the hook, once
    assert "water_probe" in [e.estimator.name for e in manager.estimators()]
    manager.estimators()
    assert plugin.calls == 1


def test_costboard_ingest_uses_plugin_vocabularies_without_calling_any_estimator_hook(
    config: WarehouseConfig,
    cli: Callable[..., Any],
    costboard_plugin,  # noqa: F811
    tmp_path: Path,
) -> None:
    plugin = CountingWaterPlugin(WATER)
    costboard_plugin(plugin, name="water")
    (tmp_path / "subjects.csv").write_text(SUBJECTS)
    (tmp_path / "claims.csv").write_text(CLAIMS)
    files = [str(tmp_path / "subjects.csv"), str(tmp_path / "claims.csv")]
    done = cli("ingest", *files, "-m", "water")
    assert done.exit_code == 0, done.output  # water_use was known: the vocabulary was asked
    assert plugin.calls == 0


def test_a_plugin_metric_is_an_estimator_output_and_to_estimates_knows_its_unit() -> None:
    estimates, statuses = run_plugin(WaterPlugin(WATER), sample_evidence())
    assert [s.status for s in statuses] == ["ok"], statuses
    assert estimates.select("metric", "unit", "value").row(0) == ("water_use", "litres", 7.0)
    assert active_vocabulary() is BUILT_IN  # the run's vocabulary does not leak out of it


def test_a_plugin_whose_vocabulary_is_refused_loads_no_estimator() -> None:
    manager = PluginManager(entry_points=False)
    manager.register(WaterPlugin(Vocabulary(metrics=WATER.metrics)), "water")  # no litres
    assert manager.estimators() == []
    (record,) = manager.plugins()
    assert record.status == "error" and "base unit 'litres' is not a unit" in record.error


def test_an_estimator_output_in_no_vocabulary_is_unsound_with_a_suggestion() -> None:
    assert WATER_ESTIMATOR.problems() == [
        "estimator 'water_probe': unknown metric 'water_use'",
        "estimator 'water_probe': unknown scope 'site' (did you mean 'stage'?)",
    ]
    merged, _ = merge([("water", WATER)])
    assert WATER_ESTIMATOR.problems(merged) == []
    with using_vocabulary(merged):
        assert WATER_ESTIMATOR.problems() == []
    typo = Estimator("t", "1", water_estimate, (("water_usage", "site"),))
    assert typo.problems(merged) == [
        "estimator 't': unknown metric 'water_usage' (did you mean 'water_use'?)"
    ]


def test_check_estimator_takes_the_plugins_vocabulary() -> None:
    merged, _ = merge([("water", WATER)])
    assert check_estimator(WATER_ESTIMATOR, vocabulary=merged) == []
    assert check_estimator(WATER_ESTIMATOR)[0].endswith("unknown metric 'water_use'")


def test_the_vocabulary_command_lists_the_merged_vocabulary_one_row_per_name() -> None:
    from costboard.cli.vocabulary_command import vocabulary_frame

    merged, _ = merge([("water", WATER)])
    frame = vocabulary_frame(merged)
    assert frame.filter(pl.col("name") == "megalitres").row(0) == (
        "unit",
        "megalitres",
        "litres",
        1e6,
        None,
        "millions of litres",
    )
    counts = dict(frame.group_by("what").len().iter_rows())
    assert counts == {
        "metric": len(merged.metrics),
        "unit": len(merged.units),
        "scope": len(merged.scopes),
        "subject_kind": len(merged.subject_kinds),
    }


def test_the_documented_example_plugin_is_a_sound_contribution() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text("utf-8")
    section = docs.split("### costboard_vocabulary\n", 1)[1].split("\n## ", 1)[0]
    example = re.findall(r"```python\n(.*?)```", section, re.DOTALL)[-1]
    namespace: dict[str, object] = {}
    exec(compile(example, "docs/plugins.md", "exec"), namespace)
    contribution = namespace["costboard_vocabulary"]()  # type: ignore[operator]
    merged, problems = merge([("example", contribution)])
    assert problems == {}
    assert merged.unit_fits_metric("megalitres", "water_use")


def test_default_vocabulary_is_built_in_but_reserves_no_estimator_name() -> None:
    reserved = built_in_names()
    assert "vocabulary" not in reserved and "importers" not in reserved
    assert {"cloud_rental", "market_cap_move"} <= reserved
    manager = PluginManager()
    record = {r.name: r for r in manager.plugins()}["vocabulary"]
    assert (record.status, record.built_in, record.hooks) == (
        "ok",
        True,
        ("costboard_vocabulary",),
    )
    assert record.module == "costboard.plugins.default_vocabulary"
    assert manager.vocabulary() == BUILT_IN


def test_the_vocabulary_plugin_hands_over_the_whole_built_in_vocabulary() -> None:
    # The merge starts from BUILT_IN whatever this hook returns, so only a direct call shows
    # that what `costboard plugins` lists for the built-in plugin is the whole vocabulary.
    offered = default_vocabulary.costboard_vocabulary()
    assert offered is BUILT_IN
    assert {"training_cost", "gpu_hours", "exchange_rate"} <= set(offered.metric_table)


# --- a real package, installed -------------------------------------------------------------

PACKAGE_MODULE = """
from costboard import Metric, Unit, Vocabulary, hookimpl

GOOD = Vocabulary(
    metrics=(Metric("water_use", "litres", False, "water a data centre used"),),
    units=(
        Unit("litres", "litres", 1.0, "litres"),
        Unit("megalitres", "litres", 1e6, "millions of litres"),
        Unit("days", "hours", 24.0, "days"),
    ),
    scopes={"site": "one data-centre site"},
    subject_kinds=("datacenter",),
)


class Offers:
    def __init__(self, vocabulary):
        self.vocabulary = vocabulary

    @hookimpl
    def costboard_vocabulary(self):
        return self.vocabulary


water = Offers(GOOD)
stray_unit = Offers(Vocabulary(units=(Unit("furlongs", "metres", 201.168, "furlongs"),)))
unknown_metric_unit = Offers(Vocabulary(units=(Unit("kilolitres", "litre", 1e3, "kl"),)))
redefines_days = Offers(Vocabulary(units=(Unit("days", "hours", 8.0, "working days"),)))
"""
PROBES = {
    "water_probe": "water",
    "stray_unit_probe": "stray_unit",
    "unknown_metric_unit_probe": "unknown_metric_unit",
    "redefines_days_probe": "redefines_days",
}


def run(*args: str, site: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSTBOARD_")}
    env["PYTHONPATH"] = str(site)  # the installed package, seen by this subprocess only
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


PIP_INSTALL = (sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation")
PIP_INSTALL += ("--quiet", "--disable-pip-version-check")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A package with four vocabulary plugins (entry points), pip-installed into a folder."""
    root = tmp_path_factory.mktemp("vocabulary_package")
    source = root / "costboard-vocab-probe"
    (source / "costboard_vocab_probe").mkdir(parents=True)
    (source / "costboard_vocab_probe" / "__init__.py").write_text(PACKAGE_MODULE)
    entry_points = "\n".join(f'{n} = "costboard_vocab_probe:{o}"' for n, o in PROBES.items())
    (source / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "costboard-vocab-probe"
            version = "0.1.0"

            [tool.setuptools]
            packages = ["costboard_vocab_probe"]

            [project.entry-points.costboard]
            """
        )
        + entry_points
        + "\n"
    )
    target = root / "site"
    done = subprocess.run(
        [*PIP_INSTALL, "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield target


COSTBOARD = str(Path(sys.executable).parent / "costboard")
SUBJECTS = "subject,name,kind\nsite-1,Site one,datacenter\n"
CLAIMS = (
    "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
    "site-1,water_use,site,2.5,megalitres,Operator,2025-01-01,https://a.org/1\n"
)


@pytest.mark.slow
def test_an_installed_vocabulary_plugin_extends_ingest(site: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(COSTBOARD, "--home", str(home), "init", site=site).returncode == 0
    (tmp_path / "subjects.csv").write_text(SUBJECTS)
    (tmp_path / "claims.csv").write_text(CLAIMS)
    files = [str(tmp_path / "subjects.csv"), str(tmp_path / "claims.csv")]
    done = run(COSTBOARD, "--home", str(home), "ingest", *files, "-m", "water", site=site)
    assert done.returncode == 0, done.stdout + done.stderr
    with lake.connect(WarehouseConfig.resolve(home), read_only=True) as connection:
        row = connection.execute(
            "SELECT value, unit, value_as_written, unit_as_written FROM claims "
            "WHERE subject = 'site-1'"
        ).fetchone()
    assert row == (2.5e6, "litres", 2.5, "megalitres")
    listed = run(COSTBOARD, "vocabulary", "--format", "json", site=site)
    rows = {(r["what"], r["name"]): r for r in json.loads(listed.stdout)}
    assert rows["metric", "water_use"]["base_unit"] == "litres"
    assert rows["unit", "megalitres"]["factor"] == 1e6
    assert ("scope", "site") in rows and ("subject_kind", "datacenter") in rows
    assert ("unit", "furlongs") not in rows  # refused
    # without the plugin the same files are refused: the vocabulary really came from it
    bare = run(COSTBOARD, "--home", str(home), "ingest", *files, "-m", "again", site=tmp_path)
    assert bare.returncode == 1 and "unknown metric 'water_use'" in bare.stdout + bare.stderr
    assert ("metric", "water_use") not in {
        (r["what"], r["name"])
        for r in json.loads(run(COSTBOARD, "vocabulary", "--format", "json", site=tmp_path).stdout)
    }


@pytest.mark.slow
def test_each_faulty_installed_vocabulary_plugin_is_reported_and_the_rest_load(
    site: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    listed = run(COSTBOARD, "--home", str(home), "plugins", "--json", "--no-run", site=site)
    assert listed.returncode == 3, listed.stderr  # some plugin failed
    rows = {r["plugin"]: r for r in json.loads(listed.stdout)}
    assert rows["water_probe"]["status"] == "ok"
    assert rows["water_probe"]["distribution"] == "costboard-vocab-probe"
    assert rows["vocabulary"]["status"] == "ok"
    assert rows["vocabulary"]["hooks"] == ["costboard_vocabulary"]
    expected = {
        "stray_unit_probe": "unit 'furlongs' converts to 'metres', the base unit of no metric",
        "unknown_metric_unit_probe": "unit 'kilolitres' converts to 'litre', the base unit of no",
        "redefines_days_probe": "unit 'days' is already defined differently by the built-in",
    }
    for plugin, message in expected.items():
        assert rows[plugin]["status"] == "error", rows[plugin]
        assert rows[plugin]["error"].startswith("costboard_vocabulary refused: " + message)
    assert all(rows[n]["status"] == "ok" for n in ("cloud_rental", "compute_6nd"))
