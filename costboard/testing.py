"""Helpers for testing estimators and plugins (costboard's own tests use them too).

- :func:`make_evidence` (and :func:`claim`, :func:`sample_evidence`,
  :func:`many_models_evidence`): evidence from a few claims, no warehouse needed
  (``costboard/samples.py``).
- :func:`run_plugin`: run one plugin's estimators, isolated from every installed plugin.
- :func:`check_estimator` / :func:`assert_conforms`: the conformance check any estimator can
  run on itself (definition, output schema, determinism, as-of evidence, lineage, overrides;
  ``costboard/conformance.py``).
- the ``costboard_plugin`` pytest fixture: registers a plugin in the process-wide manager for
  one test (so ``run_estimators`` and the CLI see it), and removes it afterwards. Use it with
  ``pytest_plugins = ["costboard.testing"]`` in a conftest.py, or import the fixture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType

import polars as pl

from costboard.conformance import assert_conforms, check_estimator
from costboard.plugins.evidence import Evidence
from costboard.plugins.manager import PluginManager, get_manager
from costboard.plugins.pipeline import run_estimators
from costboard.plugins.run import DEFAULT_TIMEOUT, EstimatorStatus
from costboard.samples import claim, make_evidence, many_models_evidence, sample_evidence

__all__ = [
    "assert_conforms",
    "check_estimator",
    "claim",
    "costboard_plugin",
    "make_evidence",
    "many_models_evidence",
    "run_plugin",
    "sample_evidence",
]


def _isolated(plugin: ModuleType | object, name: str | None = None) -> PluginManager:
    manager = PluginManager(entry_points=False)
    manager.register(plugin, name=name)
    return manager


def run_plugin(
    plugin: ModuleType | object,
    evidence: Evidence,
    overrides: Mapping[str, float] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    windows: Iterable[tuple[dt.date, dt.date]] = (),
) -> tuple[pl.DataFrame, list[EstimatorStatus]]:
    """Run one plugin's estimators through costboard's run path, with no other plugin."""
    return run_estimators(
        evidence, overrides, timeout=timeout, windows=windows, manager=_isolated(plugin)
    )


try:  # the fixture needs pytest, which only tests have
    import pytest
except ImportError:  # pragma: no cover
    pass
else:

    @pytest.fixture
    def costboard_plugin() -> Iterator[Callable[..., str]]:
        """Register plugins in the process-wide manager for one test; returns ``register``.

        ``register(plugin, name=None) -> name``: the plugin (a module or an object with
        ``@hookimpl`` functions) is seen by ``run_estimators`` and the CLI until the test ends.
        """
        manager = get_manager()
        names: list[str] = []

        def register(plugin: ModuleType | object, name: str | None = None) -> str:
            registered = manager.register(plugin, name=name)
            names.append(registered)
            return registered

        yield register
        for name in names:
            manager.unregister(name)
