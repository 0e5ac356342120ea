"""The costboard hook specifications: the whole contract between costboard and its plugins.

A plugin is a module (or object) with functions named after these hooks and marked with
``from costboard import hookimpl``; it is found through the ``costboard`` entry-point group.
The built-in plugins (``DEFAULT_PLUGINS`` in ``plugins/loading.py``) are of exactly this kind.

Each hook's docstring is its contract, written once: docs/plugins.md's "Hooks" section is
generated from these docstrings (``python -m costboard.plugins.hookdocs docs/plugins.md``),
so they are Markdown. A meta-test fails when the docs are out of date or a hook has no
``test_hook_<name>``.
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

    No arguments.

    :return: a list of `costboard.Estimator` (see "The Estimator"); a single `Estimator` is
    accepted too. Each has a public `name`, a `version` (bump it when its numbers change:
    stored estimates are keyed by it), the `(metric, scope)` pairs it produces, its
    `parameters` (each with a cited default) and `estimate(evidence, params) ->
    polars.DataFrame`: a vectorized function from the evidence (`costboard.Evidence`) to
    estimates (see "The estimate schema").

    - **When:** once per plugin, the first time the estimators are needed, after
      `costboard_importers` and `costboard_vocabulary` (the result is kept until a plugin is
      registered or unregistered). Each plugin's implementation is called on its own, on a
      worker thread, with a time limit (10 s; `--hook-timeout` or `COSTBOARD_HOOK_TIMEOUT`).
      `costboard ingest` and `costboard vocabulary` never call it.
    - **Running:** costboard calls `estimate` on a worker thread with the estimator time limit
      and validates what it returns (schema, NaN, negative costs, low <= value <= high,
      claim ids that exist in the evidence); a failure drops that estimator's rows only.
    - **Refused** (recorded against this plugin and shown by `costboard plugins`; the others
      are unaffected): the hook raises, hangs or returns anything but `Estimator`s (`None`, a
      dict, a list holding something else); an unsound estimator (`Estimator.problems()`);
      any estimator of a plugin refused on an earlier hook.
    - **Names.** The built-in estimators' names (see "The built-in estimators") are reserved:
      a plugin that provides one is refused, with an error naming that plugin, and the
      built-in runs. When two plugins provide the same name, both are refused, each error
      naming the other, until one is renamed or disabled. So the stored estimates of a name
      never change provider silently, whatever order plugins load in.
    """


@hookspec
def costboard_importers() -> list[Importer]:  # type: ignore[empty-body]
    """Return the ingest formats (importers) this plugin adds to `costboard ingest`.

    No arguments.

    :return: a list of `costboard.Importer(name, description, recognises, convert)` (a
    single `Importer` is accepted too):

    | field | meaning |
    | --- | --- |
    | `name` | what `--kind` takes; lower-case letters, digits, `-`, `_` |
    | `description` | one line for `costboard plugins` |
    | `recognises(table) -> bool` | whether a file is of this format, from its header: `table` is a `costboard.RawTable` (`header`: the column names; `frame`: every cell as text, a polars DataFrame; `path`; `format`: `csv`, `json` or `jsonl`) |
    | `convert(table, options) -> Imported` | the file mapped onto costboard's layouts (below); `options.ticker` is `--ticker` |

    `Imported(tables, skipped)`: `tables` is a list of `ImportedTable(kind, table,
    subject_kind=None, qualifier_kind=None)`, each a `RawTable` in costboard's `claims`,
    `subjects` or `prices` layout (the columns of a costboard file of that kind, as text).
    Its `path` stays the original file's, its `line_of_row` (a polars Series) gives each
    output row's line in the original file, and its optional `column_of` (field -> Series of
    1-based columns) each field's column there, so a value that fails costboard's
    validation is reported at the file, line and column the user can open. `subject_kind`
    asks ingest to resolve subject ids made from names: an id equal to a name of an
    existing subject of that kind (whitespace runs as `-`) becomes that subject
    (`qualifier_kind`: the same for claims' qualifiers); Epoch's importers use it
    (docs/epoch.md). `skipped` lists `costboard.InputError(file, line, column, message)` for
    rows the importer cannot use: they are reported by `costboard ingest` and not written.

    - **When:** once per plugin, the first time the importers are needed (`costboard
      ingest`, and the plugin list), before any other hook; worker thread and time limit as
      for `costboard_estimators`. Each file is offered to the importers in order, costboard's
      built-ins first (the default plugin `importers`, `plugins/default_importers.py`), then
      the plugins' in plugin-name order; the first whose `recognises` is true converts it.
      `--kind NAME` forces one.
    - **Errors:** `convert` raises `costboard.IngestError([InputError(...)])` for a malformed
      value (file, line, column of the original): nothing of the ingest is written. Any
      other exception fails the ingest with an error naming the importer. Nothing is written
      unless every file converts and validates.
    - **Refused** (recorded against this plugin and shown by `costboard plugins` and the
      dashboard's plugins page; the others are unaffected, and this plugin then provides no
      vocabulary and no estimators either): the hook raises, hangs or returns anything but
      `Importer`s; an unsound name; a built-in importer's name (reserved: `costboard ingest
      --help` lists them under `--kind`); a name another plugin also provides (both are
      refused, each error naming the other).
    """


@hookspec
def costboard_vocabulary() -> Vocabulary:  # type: ignore[empty-body]
    """Return the metrics, units, scopes and subject kinds this plugin adds to the vocabulary.

    No arguments.

    :return: a `costboard.Vocabulary` (a frozen dataclass) with any of:

    | field | type | meaning |
    | --- | --- | --- |
    | `metrics` | tuple of `costboard.Metric(name, base_unit, is_cost, description)` | what claims and estimates may measure; `is_cost`: never negative |
    | `units` | tuple of `costboard.Unit(name, base, factor, description)` | a value in `name` times `factor` is the value in `base` |
    | `scopes` | mapping name -> description | what a figure may cover |
    | `subject_kinds` | tuple of names | the kinds a subject may have |

    A unit whose base is `date` is written as an ISO date (`2023-05-10`) and stored as days
    since 1970-01-01; its factor must be 1.

    - **When:** once per plugin, the first time the vocabulary is needed, after
      `costboard_importers` and before any `costboard_estimators` (worker thread and time
      limit as for `costboard_estimators`). The built-in vocabulary is itself the default
      plugin `vocabulary` (`plugins/default_vocabulary.py`, tables in
      `costboard.warehouse.vocabulary`); every merge starts from it, so blocking that plugin
      never leaves ingest without its metrics.
    - **Used by:** `costboard ingest` (claims' metrics, units and scopes, subjects' kinds,
      the did-you-mean suggestions of its errors), the estimator checks
      (`Estimator.problems`: an output's metric and scope), `to_estimates` (a metric's base
      unit) and the validation of what estimators return (base units, costs never
      negative). The warehouse never imports plugins: the CLI passes the plugin manager's
      merged vocabulary (`PluginManager.vocabulary()`) to `ingest(..., vocabulary=...)`, and
      `run_estimators` makes it the active vocabulary of the run
      (`costboard.testing.check_estimator(..., vocabulary=...)` for a plugin's own tests).
      `costboard vocabulary [--what ...] [--format table|csv|json]` prints the merged
      vocabulary.
    - **Refused** (the whole contribution, recorded against this plugin and shown by
      `costboard plugins` like any failure; that plugin's estimators do not load; the others
      are unaffected): the hook raises, hangs or returns anything but a `Vocabulary`; a name
      that is not lower_case_with_underscores, an empty description, a factor that is not a
      positive finite number; a unit whose `base` is the base unit of no metric (a unit for
      a metric that does not exist); a metric whose `base_unit` is not itself a unit; a
      built-in name defined differently; a name two plugins define differently (both are
      refused, each naming the other, whatever the load order). Defining a name exactly as
      it is already defined is allowed.
    """
