"""What an estimator is, and the schema of the estimates it returns.

An :class:`Estimator` is a name, a version, the (metric, scope) pairs it produces, its
parameters (each with a cited default) and a vectorized function
``estimate(evidence, params) -> polars.DataFrame`` whose result follows
:data:`ESTIMATE_SCHEMA`. :func:`to_estimates` builds such a frame from a working frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import polars as pl

from costboard.plugins.parameters import Parameter
from costboard.warehouse import claim_methods
from costboard.warehouse.errors import did_you_mean
from costboard.warehouse.names import NAME_PATTERN
from costboard.warehouse.vocabulary import BUILT_IN, Vocabulary

if TYPE_CHECKING:
    from costboard.plugins.evidence import Evidence
    from costboard.plugins.parameters import Parameters

#: The vocabulary estimators run under. ``run_estimators`` sets it to its manager's merged
#: vocabulary, so :func:`to_estimates` knows a plugin metric's base unit without each
#: estimator being handed the vocabulary; a context variable (not a global) because the
#: dashboard runs estimators from several threads, each with its own manager.
_ACTIVE_VOCABULARY: ContextVar[Vocabulary] = ContextVar("costboard_vocabulary", default=BUILT_IN)


def active_vocabulary() -> Vocabulary:
    """The vocabulary of the current estimator run (the built-in one outside a run)."""
    return _ACTIVE_VOCABULARY.get()


@contextmanager
def using_vocabulary(vocabulary: Vocabulary) -> Iterator[Vocabulary]:
    """Make ``vocabulary`` the active one inside the ``with`` block (this context only)."""
    token = _ACTIVE_VOCABULARY.set(vocabulary)
    try:
        yield vocabulary
    finally:
        _ACTIVE_VOCABULARY.reset(token)


#: What an estimator returns: one row per (subject, as_of, metric, scope). docs/plugins.md
#: documents every column.
ESTIMATE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "subject": pl.String(),
    "as_of": pl.Date(),
    "metric": pl.String(),
    "scope": pl.String(),
    "value": pl.Float64(),
    "low": pl.Float64(),
    "high": pl.Float64(),
    "unit": pl.String(),
    "inputs": pl.List(pl.String()),
    "parameters": pl.String(),
    "note": pl.String(),
    "assumed": pl.List(pl.String()),
}

#: Columns an estimate frame must have; the others are filled when missing.
REQUIRED_COLUMNS: Final = ("subject", "as_of", "metric", "scope", "value", "low", "high", "unit")

#: What ``run_estimators`` returns: the estimate schema plus who computed it, a hash of the
#: parameters (part of the stored estimates' natural key) and the claim methods its estimator
#: models (stored with each estimate, so the SQL views match claims by method).
ESTIMATES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "estimator": pl.String(),
    "estimator_version": pl.String(),
    **ESTIMATE_SCHEMA,
    "params_hash": pl.String(),
    "methods": pl.List(pl.String()),
}

EstimateFunction = Callable[["Evidence", "Parameters"], pl.DataFrame]


@dataclass(frozen=True, eq=False)
class Estimator:
    """An independent cost model.

    Attributes:
        name: a public identifier (lower case, digits, underscores), unique across plugins.
        version: bump it whenever the numbers it computes change; stored estimates are
            keyed by it.
        estimate: ``estimate(evidence, params) -> polars.DataFrame`` (see ESTIMATE_SCHEMA).
            Vectorized: no Python loop over rows.
        outputs: the (metric, scope) pairs it may produce.
        parameters: its parameters, each with a cited default (overridable by claims and by
            the caller).
        description: one or two sentences for ``costboard plugins`` and the dashboard.
        methods: the claim methods it models (``claim_methods.methods()``: Epoch AI's
            ``amortized_hardware_energy``, ``cloud_rental``, ``hardware_acquisition``). A
            claim that names a method is compared only with the estimators that declare it;
            a claim that names none with every estimator of its metric and scope.
    """

    name: str
    version: str
    estimate: EstimateFunction
    outputs: tuple[tuple[str, str], ...]
    parameters: tuple[Parameter, ...] = ()
    description: str = ""
    methods: tuple[str, ...] = ()

    @property
    def parameter_table(self) -> dict[str, Parameter]:
        return {p.name: p for p in self.parameters}

    def problems(self, vocabulary: Vocabulary | None = None) -> list[str]:
        """What is wrong with this definition (empty when it is sound).

        Outputs are checked against ``vocabulary`` (default: the active one, see
        :func:`active_vocabulary`); the plugin manager passes its merged vocabulary.
        """
        vocabulary = vocabulary or active_vocabulary()
        metrics, scopes = vocabulary.metric_table, vocabulary.scopes
        found = []
        if not isinstance(self.name, str) or not NAME_PATTERN.match(self.name):
            found.append(f"estimator name {self.name!r} is not lower_case_with_underscores")
        if not isinstance(self.version, str) or not self.version.strip():
            found.append(f"estimator {self.name!r} needs a version string")
        if not callable(self.estimate):
            found.append(f"estimator {self.name!r}: estimate is not callable")
        if not self.outputs:
            found.append(f"estimator {self.name!r} declares no outputs")
        for pair in self.outputs:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                found.append(f"estimator {self.name!r}: output {pair!r} is not (metric, scope)")
                continue
            metric, scope = pair
            if metric not in metrics:
                found.append(
                    f"estimator {self.name!r}: unknown metric '{metric}'"
                    + did_you_mean(str(metric), metrics)
                )
            if scope not in scopes:
                found.append(
                    f"estimator {self.name!r}: unknown scope '{scope}'"
                    + did_you_mean(str(scope), scopes)
                )
        known = claim_methods.methods()
        for method in self.methods:
            if method not in known:
                found.append(
                    f"estimator {self.name!r}: unknown claim method {method!r}"
                    + did_you_mean(str(method), sorted(known))
                )
        for parameter in self.parameters:
            if not isinstance(parameter, Parameter):
                found.append(f"estimator {self.name!r}: {parameter!r} is not a Parameter")
            else:
                found.extend(parameter.problems())
        return found


def empty_estimates() -> pl.DataFrame:
    """An estimate frame with no rows."""
    return pl.DataFrame(schema=ESTIMATE_SCHEMA)


#: An empty list of claim ids (a literal).
EMPTY_IDS: Final = pl.lit([], dtype=pl.List(pl.String))


def claim_ids(*columns: str | pl.Expr) -> pl.Expr:
    """A sorted, de-duplicated list of claim ids from String (or non-null List) columns."""
    parts = [pl.col(c) if isinstance(c, str) else c for c in columns]
    return pl.concat_list(parts).list.drop_nulls().list.unique().list.sort()


def assumed_list(assumed: Mapping[str, pl.Expr]) -> pl.Expr:
    """A list of the labels whose condition holds, row by row (empty when none does)."""
    if not assumed:
        return pl.lit([], dtype=pl.List(pl.String))
    flags = [
        pl.when(condition.fill_null(False)).then(pl.lit(label))
        for label, condition in assumed.items()
    ]
    return pl.concat_list(flags).list.drop_nulls()


def _id_list(frame: pl.DataFrame, column: str) -> pl.Expr:
    if isinstance(frame.schema[column], pl.List):
        return pl.col(column).fill_null(EMPTY_IDS)
    return pl.col(column).cast(pl.String)


def to_estimates(
    rows: pl.DataFrame,
    *,
    metric: str,
    scope: str,
    value: pl.Expr,
    low: pl.Expr | None = None,
    high: pl.Expr | None = None,
    unit: str | None = None,
    parameters: Sequence[str] = (),
    derived: Mapping[str, pl.Expr] | None = None,
    inputs: Sequence[str] = (),
    note: pl.Expr | str | None = None,
    assumed: Mapping[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """Turn a working frame into estimates (ESTIMATE_SCHEMA); rows whose value is null are dropped.

    Args:
        rows: one row per estimate, with ``subject`` and ``as_of``.
        metric, scope: what the estimates measure and cover.
        value, low, high: expressions for the central value and range (default: value).
        unit: the unit (default: the metric's base unit in the active vocabulary, which
            holds plugin metrics during a run).
        parameters: names of parameters resolved with ``Parameters.attach`` (or columns
            ``{name}`` and ``{name}_origin`` built by hand); each is recorded in the
            ``parameters`` JSON with its value, range and origin, and its claim joins ``inputs``.
        derived: intermediate quantities to record in the JSON (origin "derived").
        inputs: further columns of claim ids (String or List[String]) the estimate used.
        note: a note (text or expression).
        assumed: {what was assumed: condition}: where the condition holds, the estimate rests
            on a default, an imputed value or a fallback in place of the subject's own
            evidence, and ``assumed`` lists what (e.g. ``{"chip unknown: H100 assumed":
            pl.col("chip").is_null()}``).
    """
    unit = unit or active_vocabulary().metric_table[metric].base_unit
    derived = dict(derived or {})
    entries = {}
    id_columns = list(inputs)
    for name in parameters:
        fields = {"value": pl.col(name)}
        for suffix in ("low", "high"):
            if f"{name}_{suffix}" in rows.columns:
                fields[suffix] = pl.col(f"{name}_{suffix}")
        fields["origin"] = pl.col(f"{name}_origin")
        entries[name] = pl.struct(**fields)
        for ids in (f"{name}_claim_id", f"{name}_claim_ids"):
            if ids in rows.columns:
                id_columns.append(ids)
    for name, expression in derived.items():
        entries[name] = pl.struct(value=expression, origin=pl.lit("derived"))
    parameters_json = pl.struct(**entries).struct.json_encode() if entries else pl.lit("{}")
    input_ids = claim_ids(*(_id_list(rows, c) for c in id_columns)) if id_columns else EMPTY_IDS
    note_expr = pl.lit(note) if note is None or isinstance(note, str) else note
    return (
        rows.with_columns(value.alias("_value"))
        .filter(pl.col("_value").is_not_null())
        .select(
            pl.col("subject").cast(pl.String),
            pl.col("as_of").cast(pl.Date),
            pl.lit(metric).alias("metric"),
            pl.lit(scope).alias("scope"),
            pl.col("_value").cast(pl.Float64).alias("value"),
            (low if low is not None else pl.col("_value")).cast(pl.Float64).alias("low"),
            (high if high is not None else pl.col("_value")).cast(pl.Float64).alias("high"),
            pl.lit(unit).alias("unit"),
            input_ids.alias("inputs"),
            parameters_json.alias("parameters"),
            note_expr.cast(pl.String).alias("note"),
            assumed_list(assumed or {}).alias("assumed"),
        )
    )
