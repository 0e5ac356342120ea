"""The plugin manager: costboard's typed facade over one ``pluggy.PluginManager("costboard")``.

In the spirit of Datasette's ``plugins.py`` and tox's manager: nothing outside this module
touches pluggy. Which plugins there are (the built-ins, entry points, allow and block lists)
is ``plugins/loading.py``; calling plugin code on a worker thread with a time limit,
``plugins/isolation.py``; what a hook may return and whose offer stands,
``plugins/contributions.py``. What each hook promises is in ``hookspecs.py``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final, TypeVar

import pluggy

from costboard.plugins import hookspecs, loading
from costboard.plugins.contributions import as_list, as_vocabulary, sound_and_unique
from costboard.plugins.estimator import Estimator
from costboard.plugins.isolation import (
    ESTIMATOR_TIMEOUT,
    ESTIMATOR_TIMEOUT_ENV,
    HOOK_TIMEOUT,
    HOOK_TIMEOUT_ENV,
    PluginTimeout,
    call_with_timeout,
    describe,
    time_limit,
)
from costboard.plugins.loading import (
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    PluginRecord,
    built_in_names,
)
from costboard.warehouse.importers import Importer
from costboard.warehouse.importers import built_in_names as built_in_importer_names
from costboard.warehouse.vocabulary import Vocabulary, merge

# The manager's names, and (for run.py, the CLI and tests) the loading and isolation names
# they have always imported from here.
__all__ = [
    "DEFAULT_PLUGINS",
    "ESTIMATOR_TIMEOUT",
    "ESTIMATOR_TIMEOUT_ENV",
    "HOOK_TIMEOUT_ENV",
    "LoadedEstimator",
    "PluginManager",
    "PluginRecord",
    "PluginTimeout",
    "built_in_names",
    "call_with_timeout",
    "describe",
    "get_manager",
    "reset_manager",
    "time_limit",
]

#: The order hooks are collected in: asking for one collects those before it first, so a
#: plugin's standing never depends on which the caller asked for first. A plugin refused on
#: an earlier hook offers nothing on a later one; estimators come last because they are
#: checked against the merged vocabulary. Ingest needs only the first two.
HOOK_ORDER: Final = ("costboard_importers", "costboard_vocabulary", "costboard_estimators")

T = TypeVar("T")


@dataclass
class LoadedEstimator:
    """An estimator with the plugin that provided it."""

    estimator: Estimator
    plugin: PluginRecord


class PluginManager:
    """costboard's plugin manager (one per process by default: see :func:`get_manager`)."""

    def __init__(
        self,
        *,
        entry_points: bool = True,
        allow: Iterable[str] | None = None,
        block: Iterable[str] | None = None,
        hook_timeout: float | None = None,
    ) -> None:
        self._pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self._pm.add_hookspecs(hookspecs)
        self.allow = loading.names_from(loading.ALLOW_ENV) if allow is None else frozenset(allow)
        self.block = frozenset(
            loading.names_from(loading.BLOCK_ENV) or () if block is None else block
        )
        self.hook_timeout = (
            hook_timeout if hook_timeout is not None else time_limit(HOOK_TIMEOUT_ENV, HOOK_TIMEOUT)
        )
        self.records: dict[str, PluginRecord] = {}
        # What each hook contributed, by hook name; emptied whenever the plugins change.
        self._collected: dict[str, Any] = {}
        self._lock = threading.Lock()
        if entry_points:
            self.load_entry_points()

    # --- loading ---------------------------------------------------------------------------

    def load_entry_points(self) -> None:
        """Load every plugin of the ``costboard`` entry-point group, recording failures."""
        loading.load_entry_points(self._pm, self.records, self.allow, self.block, self._register)
        self.check_pending()

    def register(
        self,
        plugin: ModuleType | object,
        name: str | None = None,
        *,
        distribution: str | None = None,
        version: str | None = None,
    ) -> str:
        """Register a plugin object directly (tests, notebooks); returns its name."""
        name = name or getattr(plugin, "__name__", None) or f"plugin-{id(plugin)}"
        if name in self.records and self.records[name].status != "disabled":
            raise ValueError(f"a plugin named '{name}' is already registered")
        module = getattr(plugin, "__name__", type(plugin).__name__)
        record = PluginRecord(name, distribution, version, module)
        self.records[name] = record
        self._register(plugin, record)
        self.check_pending()
        return name

    def _register(self, plugin: object, record: PluginRecord) -> None:
        try:
            self._pm.register(plugin, name=record.name)
        except Exception as error:  # pluggy.PluginValidationError and the like
            record.fail(f"cannot register: {describe(error)}")
            return
        callers = self._pm.get_hookcallers(plugin) or ()
        record.hooks = tuple(sorted(caller.name for caller in callers))
        self.refresh()

    def unregister(self, name: str) -> None:
        """Remove a plugin (and its record)."""
        if self._pm.has_plugin(name):
            self._pm.unregister(name=name)
        self.records.pop(name, None)
        self.refresh()

    def check_pending(self) -> None:
        """Set aside every plugin implementing a hook that does not exist (recorded)."""
        loading.set_aside_unknown_hooks(self._pm, self.records, self.hook_names())
        self.refresh()

    @staticmethod
    def hook_names() -> list[str]:
        """The names of costboard's hooks."""
        return sorted(n for n in dir(hookspecs) if n.startswith("costboard_"))

    # --- what the plugins contribute -------------------------------------------------------

    def plugins(self) -> list[PluginRecord]:
        """Every plugin known, loaded or not, by name, once every hook has been asked (so a
        plugin refused on any hook shows its error)."""
        self._settle(HOOK_ORDER[-1])
        return [self.records[name] for name in sorted(self.records)]

    def importers(self) -> list[Importer]:
        """Every accepted importer: the built-in plugin's first, then other plugins' by name."""
        return list(self._settle("costboard_importers"))

    def vocabulary(self) -> Vocabulary:
        """The built-in vocabulary merged with every accepted plugin contribution."""
        return self._settle("costboard_vocabulary")  # type: ignore[no-any-return]

    def estimators(self) -> list[LoadedEstimator]:
        """Every accepted estimator of every working plugin, by estimator name."""
        return list(self._settle("costboard_estimators"))

    def refresh(self) -> None:
        """Ask the hooks again on next use (a plugin changed in place)."""
        self._collected = {}

    def _settle(self, hook: str) -> Any:
        """What ``hook`` contributed, asking it (and every hook before it) once."""
        with self._lock:
            collected = self._collected
            collect: dict[str, Callable[[], Any]] = {
                "costboard_importers": self._collect_importers,
                "costboard_vocabulary": self._collect_vocabulary,
                "costboard_estimators": lambda: self._collect_estimators(
                    collected["costboard_vocabulary"]
                ),
            }
            for name in HOOK_ORDER[: HOOK_ORDER.index(hook) + 1]:
                if name not in collected:
                    collected[name] = collect[name]()
            return collected[hook]

    def _offers(self, hook: str, coerce: Callable[[object], T]) -> list[tuple[PluginRecord, T]]:
        """Call ``hook`` of every plugin in good standing, one at a time, on a worker thread
        with the hook time limit. A call that raises, hangs or returns what ``coerce``
        refuses is recorded against its plugin; the others' offers are returned."""
        offered: list[tuple[PluginRecord, T]] = []
        for impl in getattr(self._pm.hook, hook).get_hookimpls():
            record = self.records.setdefault(impl.plugin_name, PluginRecord(impl.plugin_name))
            if record.status != "ok":
                continue
            try:
                returned = call_with_timeout(impl.function, self.hook_timeout)
                offered.append((record, coerce(returned)))
            except Exception as error:
                record.fail(f"{hook} failed: {describe(error)}")
        return offered

    def _collect_importers(self) -> list[Importer]:
        offered = self._offers("costboard_importers", functools.partial(as_list, kind=Importer))
        accepted = sound_and_unique(
            offered, "importer", Importer.problems, built_in_importer_names()
        )
        accepted.sort(key=lambda offer: (not offer[0].built_in, offer[0].name))
        return [importer for _, found in accepted for importer in found]

    def _collect_vocabulary(self) -> Vocabulary:
        offered = self._offers("costboard_vocabulary", as_vocabulary)
        merged, problems = merge([(record.name, vocabulary) for record, vocabulary in offered])
        for record, _ in offered:
            if record.name in problems:
                record.fail("costboard_vocabulary refused: " + "; ".join(problems[record.name]))
        return merged

    def _collect_estimators(self, vocabulary: Vocabulary) -> list[LoadedEstimator]:
        coerce = functools.partial(as_list, kind=Estimator, containers=(Sequence, set, frozenset))
        offered = self._offers("costboard_estimators", coerce)
        accepted = sound_and_unique(
            offered, "estimator", lambda e: e.problems(vocabulary), built_in_names()
        )
        loaded = [LoadedEstimator(e, record) for record, found in accepted for e in found]
        return sorted(loaded, key=lambda item: item.estimator.name)


_default: PluginManager | None = None
_default_lock = threading.Lock()


def get_manager() -> PluginManager:
    """The process-wide plugin manager (entry points loaded on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PluginManager()
        return _default


def reset_manager() -> None:
    """Forget the process-wide manager (the next ``get_manager`` reloads the entry points)."""
    global _default
    with _default_lock:
        _default = None
