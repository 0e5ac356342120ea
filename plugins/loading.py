"""Which plugins there are: the built-ins, the ``costboard`` entry points, the allow and block
lists, and the record of how each plugin loaded.

The plugin manager (``plugins/manager.py``) calls these and owns the pluggy manager; nothing
here calls a hook.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Final

import pluggy

from costboard.plugins.isolation import describe

ENTRY_POINT_GROUP: Final = "costboard"
ALLOW_ENV: Final = "COSTBOARD_PLUGINS"
BLOCK_ENV: Final = "COSTBOARD_DISABLE_PLUGINS"

#: costboard's built-in plugins as (entry-point name, module): the only list of them.
#: pyproject.toml's ``[project.entry-points.costboard]`` declares exactly these (a test holds
#: it to this tuple), so they load, and are allowed or blocked, like any third-party plugin.
#: An estimator plugin is named after the one estimator it provides, and reserves that name.
DEFAULT_PLUGINS: Final[tuple[tuple[str, str], ...]] = (
    ("cloud_rental", "costboard.plugins.default_cloud_rental"),
    ("amortized_hardware_energy", "costboard.plugins.default_amortized_hardware_energy"),
    ("hardware_acquisition", "costboard.plugins.default_hardware_acquisition"),
    ("fleet_ownership", "costboard.plugins.default_fleet_ownership"),
    ("compute_6nd", "costboard.plugins.default_compute_6nd"),
    ("market_cap_move", "costboard.plugins.default_market_cap_move"),
    ("vocabulary", "costboard.plugins.default_vocabulary"),
    ("importers", "costboard.plugins.default_importers"),
)
_DEFAULT_MODULES: Final = frozenset(module for _, module in DEFAULT_PLUGINS)


@functools.cache
def built_in_names() -> frozenset[str]:
    """The reserved estimator names: those of the built-in plugins that provide estimators.

    The vocabulary and importers plugins reserve no estimator name: a third-party estimator
    may be called ``vocabulary``.
    """
    return frozenset(name for name, module in DEFAULT_PLUGINS if _provides_estimators(module))


def _provides_estimators(module_name: str) -> bool:
    try:
        module = importlib.import_module(module_name)
    except Exception:
        return True  # a built-in that cannot be imported still keeps its name reserved
    return hasattr(module, "costboard_estimators")


@dataclass
class PluginRecord:
    """One plugin as loaded: where it came from and how it fared."""

    name: str
    distribution: str | None = None
    version: str | None = None
    module: str | None = None
    hooks: tuple[str, ...] = ()
    status: str = "ok"  # ok | error | disabled
    error: str | None = None

    @property
    def built_in(self) -> bool:
        """True for the modules of :data:`DEFAULT_PLUGINS`, however they were registered."""
        return (self.module or "").partition(":")[0] in _DEFAULT_MODULES

    def fail(self, error: str) -> None:
        self.status, self.error = "error", error


def names_from(variable: str) -> frozenset[str] | None:
    """The comma-separated names of an allow or block list (None: the variable is unset)."""
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def load_entry_points(
    pm: pluggy.PluginManager,
    records: dict[str, PluginRecord],
    allow: frozenset[str] | None,
    block: frozenset[str],
    register: Callable[[object, PluginRecord], None],
) -> None:
    """Record every plugin of the entry-point group by name, and ``register`` each wanted one
    that imports. A blocked or unlisted one is "disabled"; one that fails to import, an error.
    ``allow`` and ``block`` match entry-point or distribution names."""
    for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry_point.name in records:
            continue
        dist = entry_point.dist
        dist_name = dist.metadata["Name"] if dist is not None else None
        version = dist.version if dist is not None else None
        record = PluginRecord(entry_point.name, dist_name, version, entry_point.value)
        records[entry_point.name] = record
        names = {entry_point.name, dist_name} - {None}
        if names & block or (allow is not None and not names & allow):
            record.status = "disabled"
            record.error = f"blocked by {BLOCK_ENV}" if names & block else f"not in {ALLOW_ENV}"
            pm.set_blocked(entry_point.name)
            continue
        try:
            plugin = entry_point.load()
        except Exception as error:
            record.fail(f"import failed: {describe(error)}")
            continue
        register(plugin, record)


def set_aside_unknown_hooks(
    pm: pluggy.PluginManager, records: dict[str, PluginRecord], hooks: list[str]
) -> None:
    """Record and unregister every plugin implementing a hook that does not exist (a misspelt
    hook name), so that pluggy's own ``check_pending`` then passes and the others load."""
    for hook_name in dir(pm.hook):
        caller = None if hook_name.startswith("_") else getattr(pm.hook, hook_name)
        if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            if (record := records.get(impl.plugin_name)) is not None:
                record.fail(
                    f"unknown hook '{hook_name}': costboard has no such hook "
                    f"(hooks: {', '.join(hooks)})"
                )
            if pm.has_plugin(impl.plugin_name):
                pm.unregister(name=impl.plugin_name)
    pm.check_pending()
