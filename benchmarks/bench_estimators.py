"""The six built-in estimators on many models: costboard's run against the bare functions.

- costboard: ``run_estimators`` as the CLI and the dashboard's what-if page call it (the
  plugin manager, one worker thread and a time limit per estimator, every output validated).
- bare functions: each built-in's ``estimate`` called directly on the same evidence and
  parameters, nothing validated (the floor: the polars work itself).

The evidence is ``costboard.testing.many_models_evidence``; the what-if page pays this cost on
every change, so it is the figure that says whether a live re-run is interactive.
"""

from __future__ import annotations

from benchmarks.common import interleaved, report
from costboard.plugins.manager import PluginManager
from costboard.plugins.parameters import Parameters
from costboard.plugins.pipeline import run_estimators
from costboard.testing import many_models_evidence

OVERRIDES = {"rental_price": 2.5}


def main(runs: int = 3, models: tuple[int, ...] = (40, 200)) -> None:
    manager = PluginManager()
    estimators = [loaded.estimator for loaded in manager.estimators()]
    for count in models:
        evidence = many_models_evidence(count)
        run_estimators(evidence, OVERRIDES, manager=manager)  # warm up: first compilation

        def through_costboard(evidence=evidence) -> None:  # type: ignore[no-untyped-def]
            run_estimators(evidence, OVERRIDES, manager=manager)

        def bare(evidence=evidence) -> None:  # type: ignore[no-untyped-def]
            for estimator in estimators:
                table = estimator.parameter_table
                overrides = {k: v for k, v in OVERRIDES.items() if k in table}
                estimator.estimate(evidence, Parameters(table=table, overrides=overrides))

        timings = interleaved(
            max(runs, 5),
            {
                "costboard run_estimators": (lambda: None, through_costboard),
                "bare estimate functions": (lambda: None, bare),
            },
        )
        report(
            f"{count} models, {evidence.frame.height:,} evidence rows",
            timings,
            baseline="bare estimate functions",
        )
