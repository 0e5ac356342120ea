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
    from costboard.warehouse.importers import Importer
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


@hookspec
def costboard_importers() -> list[Importer]:  # type: ignore[empty-body]
    """Return the ingest formats (importers) this plugin adds to ``costboard ingest``.

    Called once per plugin when the plugins are loaded, on its own and with a time limit;
    an exception, a hang, a return value that is not a list of ``Importer``, a name that is
    not lower-case, a name reserved for a built-in importer (``claims``, ``subjects``,
    ``prices``, ``yahoo``, ``stooq``, ``epoch-models``, ``epoch-chips``, ``epoch-prices``,
    ``fred``) or one another plugin also provides is recorded against this plugin and the
    other plugins are unaffected. The built-in formats are themselves importers of the
    default plugin ``importers`` (``costboard.plugins.default_importers``).

    No arguments.

    :return: a list of :class:`costboard.Importer`. Each has a ``name`` (what ``--kind``
        takes), a ``description``, ``recognises(table) -> bool`` (from the file's header:
        ``table`` is a :class:`costboard.RawTable`, its ``header`` the column names, its
        ``frame`` every cell as text) and ``convert(table, options) -> Imported``: the
        file mapped onto costboard's ``claims``, ``subjects`` or ``prices`` layouts as
        ``ImportedTable`` s, each a ``RawTable`` whose ``line_of_row`` (and optional
        ``column_of``) give every output row's line and column in the ORIGINAL file, so
        that ingest's validation errors name them; rows it cannot use go in
        ``Imported.skipped`` (reported, not written). Files are tried against the built-in
        importers first, then the plugins' in plugin-name order; ``--kind`` forces one.
        A malformed value is an ``IngestError`` naming file, line and column; any other
        exception from ``convert`` fails the ingest with the importer's name. Nothing is
        written unless every file converts and validates.
    """
