"""The controlled vocabulary: metrics, their base units, unit conversions, scopes, subject kinds.

Every claim is normalised to its metric's base unit on ingest; the unit as written is kept
beside it (``unit_as_written`` / ``value_as_written``) so nothing is lost. Money written in
another currency (``krw_billion``) is converted to US dollars by the exchange rate in force
at the claim's date, itself a claim (warehouse/currency.py).

This module holds the types, their checks and the merge with plugins' contributions; the
built-in tables are rows in builtin_vocabulary.py, turned into ``UNITS``, ``METRICS`` and
``BUILT_IN`` here (callers import every built-in name from this module).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from costboard.warehouse.builtin_vocabulary import (
    CURRENCIES,
    EXCHANGE_RATE,  # noqa: F401 (re-exported: callers read the built-in names here)
    METRIC_ROWS,
    SCOPES,
    SUBJECT_KINDS,
    UNIT_ROWS,
)
from costboard.warehouse.names import NAME_PATTERN


@dataclass(frozen=True)
class Unit:
    name: str
    base: str
    factor: float  # multiply a value in this unit by ``factor`` to get the base unit
    description: str
    #: Set for money in another currency (``krw_billion`` -> ``krw``): ``factor`` then reaches
    #: that currency's unit (1e9 won), and the exchange rate in force at the claim's date the
    #: base unit (CURRENCY_BASE), which no fixed factor can do.
    currency: str | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    base_unit: str
    is_cost: bool  # costs may never be negative
    description: str


def _units(*rows: tuple[str, str, float, str]) -> dict[str, Unit]:
    return {name: Unit(name, base, factor, text) for name, base, factor, text in rows}


#: The base unit money in another currency converts to (by an exchange_rate claim).
CURRENCY_BASE = "usd"

#: Units with this base are written as dates, not numbers: validation parses the ISO date and
#: stores days since 1970-01-01, so dates compare and subtract like any other figure.
DATE_BASE = "date"


def _currency_units(currencies: Mapping[str, str]) -> dict[str, Unit]:
    """Each currency's unit and its thousand/million/billion forms (factors to the currency)."""
    scales = (("", 1.0, ""), ("_thousand", 1e3, "thousands of "))
    scales += (("_million", 1e6, "millions of "), ("_billion", 1e9, "billions of "))
    return {
        f"{code}{suffix}": Unit(
            f"{code}{suffix}",
            CURRENCY_BASE,
            factor,
            f"{prefix}{name} (the factor reaches {code}; the {code} exchange_rate in force on "
            "the claim's stated_on converts to US dollars)",
            currency=code,
        )
        for code, name in currencies.items()
        for suffix, factor, prefix in scales
    }


def _metrics(*rows: tuple[str, str, bool, str]) -> dict[str, Metric]:
    return {name: Metric(name, base, cost, text) for name, base, cost, text in rows}


# The built-in tables, built from builtin_vocabulary's rows (their one home).
UNITS: dict[str, Unit] = _units(*UNIT_ROWS) | _currency_units(CURRENCIES)
METRICS: dict[str, Metric] = _metrics(*METRIC_ROWS)


def unit_fits_metric(unit: str, metric: str) -> bool:
    """True when ``unit`` converts to ``metric``'s base unit (built-in vocabulary)."""
    return BUILT_IN.unit_fits_metric(unit, metric)


@dataclass(frozen=True)
class Vocabulary:
    """A set of metrics, units, scopes and subject kinds: the built-in one, a plugin's
    contribution, or the merge of both.

    Ingest and validation take one (default :data:`BUILT_IN`); the plugin manager builds the
    merged one from every ``costboard_vocabulary`` plugin. The warehouse never imports the
    plugins: the caller (CLI, pipeline) hands the merged vocabulary down.
    """

    metrics: tuple[Metric, ...] = ()
    units: tuple[Unit, ...] = ()
    scopes: Mapping[str, str] = field(default_factory=dict)  # name -> description
    subject_kinds: tuple[str, ...] = ()

    @cached_property
    def metric_table(self) -> dict[str, Metric]:
        return {m.name: m for m in self.metrics}

    @cached_property
    def unit_table(self) -> dict[str, Unit]:
        return {u.name: u for u in self.units}

    @cached_property
    def date_units(self) -> list[str]:
        """Units written as ISO dates (see DATE_BASE)."""
        return [u.name for u in self.units if u.base == DATE_BASE]

    @cached_property
    def unit_currencies(self) -> dict[str, str]:
        """Unit -> the currency it is written in, for money in another currency."""
        return {u.name: u.currency for u in self.units if u.currency is not None}

    @cached_property
    def currencies(self) -> list[str]:
        """The currencies claims may be written in besides US dollars (exchange_rate subjects)."""
        return sorted(set(self.unit_currencies.values()))

    def unit_fits_metric(self, unit: str, metric: str) -> bool:
        """True when ``unit`` converts to ``metric``'s base unit."""
        units, metrics = self.unit_table, self.metric_table
        return unit in units and metric in metrics and units[unit].base == metrics[metric].base_unit

    def problems(self) -> list[str]:
        """What is wrong with this vocabulary on its own (types, names, factors)."""
        found: list[str] = []
        for what, items, kind in (("metric", self.metrics, Metric), ("unit", self.units, Unit)):
            if not isinstance(items, tuple | list):
                found.append(f"{what}s must be a tuple of {kind.__name__}")
                continue
            for item in items:
                if not isinstance(item, kind):
                    found.append(f"{what} {item!r} is not a {kind.__name__}")
                elif not isinstance(item.name, str) or not NAME_PATTERN.match(item.name):
                    found.append(f"{what} name {item.name!r} is not lower_case_with_underscores")
                elif not isinstance(item.description, str) or not item.description.strip():
                    found.append(f"{what} '{item.name}' needs a description")
        for unit in self.units if isinstance(self.units, tuple | list) else ():
            if not isinstance(unit, Unit) or not isinstance(unit.name, str):
                continue
            factor = unit.factor
            if not isinstance(factor, int | float) or not (math.isfinite(factor) and factor > 0):
                found.append(f"unit '{unit.name}': factor {factor!r} is not a positive number")
            elif unit.base == DATE_BASE and factor != 1:
                found.append(f"unit '{unit.name}': a date unit's factor must be 1")
            if unit.currency is not None and not (
                isinstance(unit.currency, str)
                and NAME_PATTERN.match(unit.currency)
                and unit.base == CURRENCY_BASE
            ):
                found.append(
                    f"unit '{unit.name}': currency {unit.currency!r} must be a lower-case code "
                    f"and the unit's base '{CURRENCY_BASE}'"
                )
        if not isinstance(self.scopes, Mapping):
            found.append("scopes must be a mapping of name to description")
        else:
            for name, text in self.scopes.items():
                if not isinstance(name, str) or not NAME_PATTERN.match(name):
                    found.append(f"scope name {name!r} is not lower_case_with_underscores")
                elif not isinstance(text, str) or not text.strip():
                    found.append(f"scope '{name}' needs a description")
        if not isinstance(self.subject_kinds, tuple | list):
            found.append("subject_kinds must be a tuple of names")
        else:
            found += [
                f"subject kind {kind!r} is not lower_case_with_underscores"
                for kind in self.subject_kinds
                if not isinstance(kind, str) or not NAME_PATTERN.match(kind)
            ]
        return found


#: The vocabulary costboard ships (builtin_vocabulary's rows); ``plugins/default_vocabulary.py``
#: contributes it through the hook like any plugin, and merges always start from it.
BUILT_IN = Vocabulary(
    metrics=tuple(METRICS.values()),
    units=tuple(UNITS.values()),
    scopes=dict(SCOPES),
    subject_kinds=SUBJECT_KINDS,
)


def _clashes(
    what: str, mine: Mapping[str, object], taken: Mapping[str, tuple[str, object]]
) -> list[str]:
    """A name defined here and, differently, by an earlier contributor (identical: fine)."""
    return [
        f"{what} '{name}' is already defined differently by {taken[name][0]}"
        for name, value in mine.items()
        if name in taken and taken[name][1] != value
    ]


def merge(
    contributions: Sequence[tuple[str, Vocabulary]], base: Vocabulary = BUILT_IN
) -> tuple[Vocabulary, dict[str, list[str]]]:
    """``base`` plus every contribution that is sound; returns (merged, problems by contributor).

    A contribution is taken whole or not at all. It is refused when it is unsound on its own
    (:meth:`Vocabulary.problems`), redefines a name of ``base`` or of another contribution
    differently (identical repeats are allowed; two contributors that clash are both refused,
    so the outcome does not depend on load order), defines a unit whose base unit no metric
    uses, or a metric whose base unit is not a unit.
    """
    problems: dict[str, list[str]] = {name: v.problems() for name, v in contributions}
    owners: dict[str, dict[str, list[tuple[str, object]]]] = {"metric": {}, "unit": {}, "scope": {}}

    def tables(v: Vocabulary) -> dict[str, Mapping[str, object]]:
        return {"metric": v.metric_table, "unit": v.unit_table, "scope": dict(v.scopes)}

    built_in = {
        what: {n: ("the built-in vocabulary", d) for n, d in t.items()}
        for what, t in tables(base).items()
    }
    for name, vocabulary in contributions:
        if problems[name]:
            continue
        for what, table in tables(vocabulary).items():
            problems[name] += _clashes(what, table, built_in[what])
            # A base name is checked against the base alone, so that a plugin redefining it
            # differently is refused and the built-in plugin (which repeats it) is not.
            for item, definition in table.items():
                if item not in built_in[what]:
                    owners[what].setdefault(item, []).append((name, definition))
    for what, by_name in owners.items():
        for item, definitions in by_name.items():
            for name, definition in definitions:
                others = [f"plugin '{o}'" for o, d in definitions if o != name and d != definition]
                if others:
                    problems[name].append(
                        f"{what} '{item}' is also defined differently by {', '.join(others)}"
                    )
    # Refusing one contribution can strand another's unit or metric (a unit for a refused
    # plugin's metric), so the reference checks repeat until nothing more is refused.
    while refused := _unresolved(base, [(n, v) for n, v in contributions if not problems[n]]):
        for name, found in refused.items():
            problems[name] += found
    merged = _union(base, [v for name, v in contributions if not problems[name]])
    return merged, {name: found for name, found in problems.items() if found}


def _unresolved(
    base: Vocabulary, accepted: Sequence[tuple[str, Vocabulary]]
) -> dict[str, list[str]]:
    """Units whose base no metric measures in, metrics whose base unit is no unit."""
    metric_bases = {m.base_unit for v in (base, *(v for _, v in accepted)) for m in v.metrics}
    unit_names = {u.name for v in (base, *(v for _, v in accepted)) for u in v.units}
    found: dict[str, list[str]] = {}
    for name, vocabulary in accepted:
        problems = [
            f"unit '{u.name}' converts to '{u.base}', the base unit of no metric "
            "(define a metric with that base unit, or use an existing base unit)"
            for u in vocabulary.units
            if u.base not in metric_bases
        ] + [
            f"metric '{m.name}': its base unit '{m.base_unit}' is not a unit "
            f"(add Unit('{m.base_unit}', '{m.base_unit}', 1.0, ...))"
            for m in vocabulary.metrics
            if m.base_unit not in unit_names
        ]
        if problems:
            found[name] = problems
    return found


def _union(base: Vocabulary, others: Iterable[Vocabulary]) -> Vocabulary:
    metrics, units = dict(base.metric_table), dict(base.unit_table)
    scopes, kinds = dict(base.scopes), list(base.subject_kinds)
    for vocabulary in others:
        metrics.update(vocabulary.metric_table)
        units.update(vocabulary.unit_table)
        scopes.update(vocabulary.scopes)
        kinds += [k for k in vocabulary.subject_kinds if k not in kinds]
    return Vocabulary(tuple(metrics.values()), tuple(units.values()), scopes, tuple(kinds))
