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
    from costboard.warehouse.vocabulary import Vocabulary

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


@hookspec
def costboard_vocabulary() -> Vocabulary:  # type: ignore[empty-body]
    """Return the metrics, units, scopes and subject kinds this plugin adds to the vocabulary.

    Called once per plugin when the plugins are loaded, on its own and with a time limit,
    before any ``costboard_estimators``: the merged vocabulary (costboard's built-in one,
    itself contributed by the default plugin ``vocabulary``, plus every plugin's) is what
    ingest validates claims and subjects against, what estimator outputs are checked
    against, and what did-you-mean suggestions are drawn from. A contribution is taken
    whole or not at all; it is refused, recorded against this plugin (its estimators then
    do not load either) and the other plugins are unaffected, when the hook raises, hangs
    or returns something other than a ``Vocabulary``, when a name is not
    lower_case_with_underscores, a description is empty or a factor is not a positive
    number, when a unit's base unit is the base unit of no metric (a unit for a metric
    that does not exist), when a metric's base unit is not itself a unit, or when a name
    of the built-in vocabulary or of another plugin is defined differently (both plugins
    are refused then). Defining a name exactly as it is already defined is allowed.

    No arguments.

    :return: a :class:`costboard.Vocabulary` with any of ``metrics`` (a tuple of
        ``Metric(name, base_unit, is_cost, description)``), ``units`` (a tuple of
        ``Unit(name, base, factor, description)``: a value in the unit times ``factor`` is
        the value in ``base``; a unit whose base is ``date`` is written as an ISO date and
        stored as days since 1970-01-01), ``scopes`` (a mapping of name to description)
        and ``subject_kinds`` (a tuple of names).
    """
