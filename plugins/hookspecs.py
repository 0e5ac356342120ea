"""The costboard hook specifications: the whole contract between costboard and its plugins.

A plugin is a module (or object) with functions named after these hooks and marked with
``from costboard import hookimpl``; it is found through the ``costboard`` entry-point group.
The built-in estimators are plugins of exactly this kind (``costboard.plugins.default_*``).

Every hook is documented in docs/plugins.md and exercised by a test; a meta-test fails when
either is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from costboard.plugins.estimator import Estimator

#: Marks a hook specification (this module only).
hookspec = pluggy.HookspecMarker("costboard")
#: Marks a plugin's implementation of a hook; plugin authors import it as
#: ``from costboard import hookimpl``.
hookimpl = pluggy.HookimplMarker("costboard")


@hookspec
def costboard_estimators() -> list[Estimator]:  # type: ignore[empty-body]
    """Return the estimators (independent cost models) this plugin provides.

    Called once per plugin when the plugins are loaded, on its own and with a time limit; an
    exception, a hang or a return value that is not a list of ``Estimator`` is recorded
    against this plugin and the other plugins are unaffected.

    No arguments.

    :return: a list of :class:`costboard.Estimator`. Each has a unique public ``name``, a
        ``version`` (bump it when its numbers change: stored estimates are keyed by it), the
        ``(metric, scope)`` pairs it produces, its ``parameters`` (each with a cited
        default), and ``estimate(evidence, params) -> polars.DataFrame``: a vectorized
        function from the evidence (see :class:`costboard.Evidence`) to estimates (see
        ``costboard.ESTIMATE_SCHEMA``). costboard calls ``estimate`` on its own thread with a
        time limit and validates what it returns (schema, NaN, negative costs,
        low <= value <= high, claim ids that exist).
    """
