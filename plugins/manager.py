"""The plugin manager: load plugins defensively and hand out their estimators.

A typed facade over one ``pluggy.PluginManager("costboard")`` (in the spirit of tox's and
Datasette's): nothing outside this module touches pluggy.

- Plugins come from the ``costboard`` entry-point group; the built-in estimators are entry
  points of the costboard distribution itself, loaded the same way.
- ``COSTBOARD_PLUGINS`` (comma-separated entry-point or distribution names) is an allow-list:
  when set, only those load (set but empty: none). ``COSTBOARD_DISABLE_PLUGINS`` is a
  block-list. A blocked plugin is listed as "disabled".
- Every failure is recorded against its plugin and shown (``costboard plugins``), never
  raised: an import error, a hook implementation that does not match its spec, a hook name
  that does not exist (reported by ``check_pending``, then the plugin is unregistered), an
  exception or a hang in ``costboard_estimators``, a return value that is not a list of
  sound ``Estimator`` objects, an estimator name that is not the plugin's to take.
- Vocabulary: every ``costboard_vocabulary`` contribution is merged onto the built-in
  vocabulary (:func:`costboard.warehouse.vocabulary.merge`) before any estimator is
  collected; a refused contribution is an error of its plugin (whose estimators then do not
  load). :meth:`PluginManager.vocabulary` is what the CLI hands to ingest.
- Estimator names: a built-in's name (``default_<name>`` modules) is reserved, so a plugin
  that provides one is refused and the built-in runs; a name two other plugins both provide
  is refused in both, each error naming the other. Which plugin computes a stored estimate
  never changes behind the user's back.

Hooks are called one plugin at a time, each on a worker thread with a time limit (see
:func:`call_with_timeout`); the limits come from :func:`time_limit`.
"""

from __future__ import annotations

import contextvars
import importlib
import math
import os
import pkgutil
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any, Final, TypeVar

import pluggy

from costboard.plugins import hookspecs
from costboard.plugins.estimator import Estimator
from costboard.warehouse.importers import Importer
from costboard.warehouse.importers import built_in_names as built_in_importer_names
from costboard.warehouse.vocabulary import BUILT_IN, Vocabulary, merge

ENTRY_POINT_GROUP: Final = "costboard"
ALLOW_ENV: Final = "COSTBOARD_PLUGINS"
BLOCK_ENV: Final = "COSTBOARD_DISABLE_PLUGINS"
#: Seconds a plugin's hook may take before it is recorded as hung, unless the variable is set.
HOOK_TIMEOUT: Final = 10.0
HOOK_TIMEOUT_ENV: Final = "COSTBOARD_HOOK_TIMEOUT"
#: Seconds one estimator may take on one run, unless the variable is set.
ESTIMATOR_TIMEOUT: Final = 10.0
ESTIMATOR_TIMEOUT_ENV: Final = "COSTBOARD_ESTIMATOR_TIMEOUT"
#: The prefix of the built-in estimator modules; each provides the estimator of its suffix.
BUILT_IN_PREFIX: Final = "default_"

T = TypeVar("T")


class PluginTimeout(TimeoutError):
    pass


def time_limit(variable: str, default: float) -> float:
    """Seconds from the environment variable (``costboard --hook-timeout`` and
    ``--estimator-timeout`` set them, so gunicorn's workers inherit them), else ``default``."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not a number of seconds") from None
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValueError(f"{variable}={raw!r}: a time limit must be a positive number of seconds")
    return seconds


def built_in_names() -> frozenset[str]:
    """The reserved estimator names: one per built-in ``default_<name>`` estimator module.

    Built-in modules that implement other hooks only (``default_vocabulary``, the default
    importers) reserve no estimator name: a third-party estimator may be called ``vocabulary``.
    """
    from costboard import plugins

    return frozenset(
        module.name.removeprefix(BUILT_IN_PREFIX)
        for module in pkgutil.iter_modules(plugins.__path__)
        if module.name.startswith(BUILT_IN_PREFIX) and _provides_estimators(module.name)
    )


def _provides_estimators(module_name: str) -> bool:
    try:
        module = importlib.import_module(f"costboard.plugins.{module_name}")
    except Exception:
        return True  # a built-in that cannot be imported still keeps its name reserved
    return hasattr(module, "costboard_estimators")


def call_with_timeout(function: Callable[..., T], timeout: float, *args: Any, **kwargs: Any) -> T:
    """Call ``function`` on a worker thread; raise PluginTimeout if it runs past ``timeout``.

    Why a thread and not a subprocess: the dashboard re-runs every estimator live on each
    what-if change, and a subprocess would cost far more than the estimators themselves
    (start-up, importing polars, pickling the evidence). Polars releases the GIL, so a
    worker thread costs almost nothing. The price: Python cannot kill a thread. A thread
    that never returns is abandoned as a daemon; it can use CPU until the process exits,
    but it never blocks the caller, whose result no longer waits for it. An exception in
    the worker is re-raised in the caller.
    """
    outcome: dict[str, Any] = {}
    # The worker runs in a copy of the caller's context, so context variables the caller set
    # (the active vocabulary, see plugins/estimator.py) hold inside the plugin too.
    context = contextvars.copy_context()

    def work() -> None:
        try:
            outcome["value"] = context.run(function, *args, **kwargs)
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(
        target=work, name=f"costboard-plugin-{getattr(function, '__name__', 'call')}", daemon=True
    )
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise PluginTimeout(f"still running after {timeout:g} s (abandoned)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def describe(error: BaseException) -> str:
    """One line for an error: its type and message, and where in the plugin it happened."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return (
        f"{type(error).__name__}: {message}{where}" if message else f"{type(error).__name__}{where}"
    )


def _names_from(variable: str) -> frozenset[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


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
        """True for costboard's own estimator modules (``costboard.plugins.default_*``)."""
        module = (self.module or "").partition(":")[0]
        return module.startswith(f"costboard.plugins.{BUILT_IN_PREFIX}")


@dataclass
class LoadedEstimator:
    """An estimator with the plugin that provided it."""

    estimator: Estimator
    plugin: PluginRecord


@dataclass
class _Collected:
    estimators: list[LoadedEstimator] = field(default_factory=list)
    vocabulary: Vocabulary = BUILT_IN


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
        self.allow = frozenset(allow) if allow is not None else _names_from(ALLOW_ENV)
        self.block = (
            frozenset(block) if block is not None else (_names_from(BLOCK_ENV) or frozenset())
        )
        self.hook_timeout = (
            hook_timeout if hook_timeout is not None else time_limit(HOOK_TIMEOUT_ENV, HOOK_TIMEOUT)
        )
        self.records: dict[str, PluginRecord] = {}
        self._collected: _Collected | None = None
        self._lock = threading.Lock()
        #: The statuses of the last run_estimators call, by estimator (or plugin) name.
        self.last_statuses: dict[str, Any] = {}
        if entry_points:
            self.load_entry_points()

    # --- loading ---------------------------------------------------------------------------

    def _wanted(self, *names: str | None) -> bool:
        present = {n for n in names if n}
        if present & self.block:
            return False
        return self.allow is None or bool(present & self.allow)

    def load_entry_points(self) -> None:
        """Load every plugin of the ``costboard`` entry-point group, recording failures."""
        for entry_point in sorted(
            metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            dist = entry_point.dist
            dist_name = dist.metadata["Name"] if dist is not None else None
            record = PluginRecord(
                name=entry_point.name,
                distribution=dist_name,
                version=dist.version if dist is not None else None,
                module=entry_point.value,
            )
            if entry_point.name in self.records:
                continue
            self.records[entry_point.name] = record
            if not self._wanted(entry_point.name, dist_name):
                record.status = "disabled"
                record.error = (
                    f"blocked by {BLOCK_ENV}"
                    if {entry_point.name, dist_name} & self.block
                    else f"not in {ALLOW_ENV}"
                )
                self._pm.set_blocked(entry_point.name)
                continue
            try:
                plugin = entry_point.load()
            except Exception as error:
                record.status = "error"
                record.error = f"import failed: {describe(error)}"
                continue
            self._register(plugin, record)
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
        record = PluginRecord(
            name=name,
            distribution=distribution,
            version=version,
            module=getattr(plugin, "__name__", type(plugin).__name__),
        )
        self.records[name] = record
        self._register(plugin, record)
        self.check_pending()
        return name

    def _register(self, plugin: object, record: PluginRecord) -> None:
        try:
            self._pm.register(plugin, name=record.name)
        except Exception as error:  # pluggy.PluginValidationError and the like
            record.status = "error"
            record.error = f"cannot register: {describe(error)}"
            return
        record.hooks = tuple(
            sorted(caller.name for caller in self._pm.get_hookcallers(plugin) or ())
        )
        self._collected = None

    def unregister(self, name: str) -> None:
        """Remove a plugin (and its record)."""
        if self._pm.has_plugin(name):
            self._pm.unregister(name=name)
        self.records.pop(name, None)
        self._collected = None

    def check_pending(self) -> None:
        """Report hook implementations whose hook does not exist (a misspelt hook name).

        Each offending plugin is recorded as an error and unregistered, so that pluggy's own
        ``check_pending`` then passes and the other plugins load normally.
        """
        for hook_name in dir(self._pm.hook):
            if hook_name.startswith("_"):
                continue
            caller = getattr(self._pm.hook, hook_name)
            if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if impl.optionalhook:
                    continue
                record = self.records.get(impl.plugin_name)
                if record is not None:
                    record.status = "error"
                    record.error = (
                        f"unknown hook '{hook_name}': costboard has no such hook "
                        f"(hooks: {', '.join(self.hook_names())})"
                    )
                if self._pm.has_plugin(impl.plugin_name):
                    self._pm.unregister(name=impl.plugin_name)
        self._pm.check_pending()
        self._collected = None

    @staticmethod
    def hook_names() -> list[str]:
        """The names of costboard's hooks."""
        return sorted(n for n in dir(hookspecs) if n.startswith("costboard_"))

    # --- calling ---------------------------------------------------------------------------

    def plugins(self) -> list[PluginRecord]:
        """Every plugin known, loaded or not, by name."""
        return [self.records[name] for name in sorted(self.records)]

    def estimators(self) -> list[LoadedEstimator]:
        """Every sound estimator of every working plugin (cached until plugins change)."""
        with self._lock:
            if self._collected is None:
                self._collected = self._collect()
            return list(self._collected.estimators)

    def vocabulary(self) -> Vocabulary:
        """The built-in vocabulary merged with every working plugin's (cached like estimators)."""
        with self._lock:
            if self._collected is None:
                self._collected = self._collect()
            return self._collected.vocabulary

    def refresh(self) -> None:
        """Call ``costboard_estimators`` again on next use (a plugin changed in place)."""
        with self._lock:
            self._collected = None

    def _collect_vocabulary(self) -> Vocabulary:
        """Call every ``costboard_vocabulary``; merge the sound contributions, record the rest."""
        offered: list[tuple[PluginRecord, Vocabulary]] = []
        for impl in self._pm.hook.costboard_vocabulary.get_hookimpls():
            record = self.records.setdefault(impl.plugin_name, PluginRecord(impl.plugin_name))
            if record.status != "ok":
                continue
            try:
                returned = call_with_timeout(impl.function, self.hook_timeout)
                if not isinstance(returned, Vocabulary):
                    raise TypeError(f"expected a Vocabulary, got {type(returned).__name__}")
            except Exception as error:
                record.status = "error"
                record.error = f"costboard_vocabulary failed: {describe(error)}"
                continue
            offered.append((record, returned))
        merged, problems = merge([(record.name, vocabulary) for record, vocabulary in offered])
        for record, _ in offered:
            if record.name in problems:
                record.status = "error"
                record.error = "costboard_vocabulary refused: " + "; ".join(problems[record.name])
        return merged

    def _collect(self) -> _Collected:
        vocabulary = self._collect_vocabulary()
        offered: list[tuple[PluginRecord, list[Estimator]]] = []
        for impl in self._pm.hook.costboard_estimators.get_hookimpls():
            record = self.records.setdefault(impl.plugin_name, PluginRecord(impl.plugin_name))
            if record.status != "ok":
                continue
            try:
                returned = call_with_timeout(impl.function, self.hook_timeout)
                estimators = _as_estimators(returned)
            except Exception as error:
                record.status = "error"
                record.error = f"costboard_estimators failed: {describe(error)}"
                continue
            problems = [p for e in estimators for p in e.problems(vocabulary)]
            reserved = built_in_names()
            problems += [
                f"estimator name '{e.name}' is reserved for costboard's built-in estimator: "
                "rename it"
                for e in estimators
                if e.name in reserved and not record.built_in
            ]
            if problems:
                record.status, record.error = "error", "; ".join(problems)
                continue
            offered.append((record, estimators))
        providers: dict[str, list[str]] = {}
        for record, estimators in offered:
            for estimator in estimators:
                providers.setdefault(estimator.name, []).append(record.name)
        collected = _Collected(vocabulary=vocabulary)
        for record, estimators in offered:
            clashes = [
                f"estimator name '{e.name}' is also provided by plugin "
                + ", ".join(f"'{other}'" for other in providers[e.name] if other != record.name)
                + ": both are refused until one is renamed or disabled"
                for e in estimators
                if len(providers[e.name]) > 1
            ]
            if clashes:
                record.status, record.error = "error", "; ".join(clashes)
                continue
            collected.estimators += [LoadedEstimator(e, record) for e in estimators]
        collected.estimators.sort(key=lambda loaded: loaded.estimator.name)
        return collected

    # --- importers (costboard_importers) -------------------------------------------------

    def importers(self) -> list[Importer]:
        """Every sound importer: the built-in plugin's first, then other plugins' by name.

        Called per use, not cached: ingest asks once per command. A plugin whose hook fails,
        whose importers are unsound, take a built-in name or clash with another plugin's
        is recorded as an error (like any plugin failure) and contributes none.
        """
        offered: list[tuple[PluginRecord, list[Importer]]] = []
        for impl in self._pm.hook.costboard_importers.get_hookimpls():
            record = self.records.setdefault(impl.plugin_name, PluginRecord(impl.plugin_name))
            if record.status != "ok":
                continue
            try:
                found = _as_importers(call_with_timeout(impl.function, self.hook_timeout))
            except Exception as error:
                record.status = "error"
                record.error = f"costboard_importers failed: {describe(error)}"
                continue
            problems = [p for i in found for p in i.problems()]
            if not record.built_in:
                problems += [
                    f"importer name '{i.name}' is reserved for costboard's built-in importer: "
                    "rename it"
                    for i in found
                    if i.name in built_in_importer_names()
                ]
            if problems:
                record.status, record.error = "error", "; ".join(problems)
                continue
            offered.append((record, found))
        providers: dict[str, list[str]] = {}
        for record, found in offered:
            for importer in found:
                providers.setdefault(importer.name, []).append(record.name)
        merged: list[Importer] = []
        for record, found in sorted(offered, key=lambda o: (not o[0].built_in, o[0].name)):
            clashes = [
                f"importer name '{i.name}' is also provided by plugin "
                + ", ".join(f"'{o}'" for o in providers[i.name] if o != record.name)
                for i in found
                if len(providers[i.name]) > 1
            ]
            if clashes:
                record.status, record.error = "error", "; ".join(clashes)
                continue
            merged += found
        return merged


def _as_importers(returned: object) -> list[Importer]:
    if isinstance(returned, Importer):
        return [returned]
    if returned is None or isinstance(returned, str | bytes) or not isinstance(returned, Sequence):
        raise TypeError(f"expected a list of Importer, got {type(returned).__name__}")
    wrong = [type(item).__name__ for item in returned if not isinstance(item, Importer)]
    if wrong:
        raise TypeError(f"expected a list of Importer, found {', '.join(sorted(set(wrong)))}")
    return list(returned)


def _as_estimators(returned: object) -> list[Estimator]:
    if isinstance(returned, Estimator):
        return [returned]
    if (
        returned is None
        or isinstance(returned, str | bytes)
        or not isinstance(returned, Sequence | set | frozenset)
    ):
        raise TypeError(f"expected a list of Estimator, got {type(returned).__name__}")
    wrong = [type(item).__name__ for item in returned if not isinstance(item, Estimator)]
    if wrong:
        raise TypeError(f"expected a list of Estimator, found {', '.join(sorted(set(wrong)))}")
    return list(returned)


_default: PluginManager | None = None
_default_lock = threading.Lock()


def get_manager() -> PluginManager:
    """The process-wide plugin manager (entry points loaded on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PluginManager()
            # Collected at load so that a failing importer plugin is recorded (and shown by
            # every page and command that lists plugins), not only when ingest asks.
            _default.importers()
        return _default


def reset_manager() -> None:
    """Forget the process-wide manager (the next ``get_manager`` reloads the entry points)."""
    global _default
    with _default_lock:
        _default = None
