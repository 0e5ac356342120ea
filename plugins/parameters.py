"""Cost-model parameters: the mechanism of cited defaults, and how claims and the caller
override them.

A :class:`Parameter` is a default value with a low-high range and a citation. This module
declares none: each estimator declares its own, in its own module (the built-ins' in their
``default_*`` modules, with figures from ``shared/reference/costfacts.md``; a parameter several
built-ins use is declared once, in ``plugins/defaults.py``). For each row an estimator fills, a
parameter resolves in this order (the first that exists wins):

1. an override the caller passed (the dashboard's what-if): pins value, low and high;
2. a claim about the row's own subject (``own_scopes``), e.g. DeepSeek's "$2 per H800-hour";
3. the parameter's :class:`Catalog`, for rows that carry the columns it needs: a figure a
   method picks from the hardware catalog, e.g. Epoch AI's purchase price for a GPU family;
4. a claim about the row's chip (``chip_scopes``), e.g. a rental listing for the H800;
5. a method claim on the ``ml-hardware`` subject (``method=True``), e.g. Epoch AI's PUE; a
   method claim whose qualifier names the row's chip (or its family, year, ...) beats an
   unqualified one, and the earlier a column comes in ``method_qualifiers`` the more specific
   it is (chip before family before class);
6. the default: by the row's year (``by_year``), by the first ``method_qualifiers`` column
   whose value the parameter has a default for (``by_qualifier``), else the plain default.

The resolution lives in ``plugins/parameter_ladder.py``: a handful of joins over the whole
frame, never a loop over rows. Each resolved parameter adds five columns: ``{name}``,
``{name}_low``, ``{name}_high``, ``{name}_claim_id`` and ``{name}_origin`` ("override",
"claim: <claim_id>", a catalog's own origin, or "default: <citation>"), plus
``{name}_qualifier`` and ``{name}_stated_on`` of the claim used.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import polars as pl

from costboard.plugins.parameter_ladder import Catalog, resolve

__all__ = ["Catalog", "Parameter", "Parameters", "check_overrides", "is_chip_level_price", "table"]

if TYPE_CHECKING:
    from costboard.plugins.evidence import Evidence


@dataclass(frozen=True, eq=False)
class Parameter:
    """One input of a cost model: a cited default, and which claims can replace it.

    Attributes:
        name: the identifier used in overrides and in an estimate's ``parameters`` JSON.
        value, low, high: the default and its range (low <= value <= high), in ``unit``.
        unit: the base unit (a vocabulary unit such as usd_per_gpu_hour, or ratio).
        citation: where the default comes from (shown as "default: <citation>").
        metric: claims of this metric replace the default (None: only an override does).
        own_scopes: scopes of the row's own subject's claims that count.
        chip_scopes: scopes of the row's chip's claims that count.
        method: whether method claims on the ``ml-hardware`` subject count.
        method_qualifiers: row columns whose value a method claim's qualifier may equal
            (e.g. ``("chip", "chip_family")``: Epoch's A100 server overhead applies to every
            A100 row), most specific first.
        accept: a filter over candidate claims (columns qualifier, scope, subject, and any
            row column it names that claims do not have, e.g. ``chip_class``), e.g. only
            utilization measured against BF16 peak.
        prefer: a rank among candidates at the same level (lower first), before recency.
        catalog: the level between own and chip claims (see :class:`Catalog`), if any.
        by_year: defaults that depend on the row's ``year`` column (years outside the table
            take the nearest year's value); low/high scale with the value.
        by_qualifier: defaults that depend on the row's ``method_qualifiers`` columns (e.g.
            Epoch's chip-to-server power per chip family: ``{"A100": 2.03125, ...}``); the
            first column with a listed value wins; low/high scale with the value.
        dated: when the default figure was published (e.g. a price's date), if that matters.
        description: one line for docs and the dashboard.
    """

    name: str
    value: float
    low: float
    high: float
    unit: str
    citation: str
    metric: str | None = None
    own_scopes: tuple[str, ...] = ()
    chip_scopes: tuple[str, ...] = ()
    method: bool = False
    method_qualifiers: tuple[str, ...] = ()
    accept: pl.Expr | None = None
    prefer: pl.Expr | None = None
    by_year: Mapping[int, float] | None = None
    by_qualifier: Mapping[str, float] | None = None
    dated: dt.date | None = None
    catalog: Catalog | None = None
    description: str = ""

    def problems(self) -> list[str]:
        """What is wrong with this definition (empty when it is sound)."""
        found = []
        if not self.name.isidentifier() or self.name != self.name.lower():
            found.append(f"parameter name '{self.name}' is not a lower-case identifier")
        numbers = (self.value, self.low, self.high)
        if not all(isinstance(x, int | float) and math.isfinite(x) for x in numbers):
            found.append(f"parameter '{self.name}': value, low and high must be finite numbers")
        elif not self.low <= self.value <= self.high:
            found.append(f"parameter '{self.name}': needs low <= value <= high")
        if not self.citation.strip():
            found.append(f"parameter '{self.name}' has no citation")
        return found

    def with_default(self, value: float, *, citation: str = "override") -> Parameter:
        """This parameter pinned to ``value`` (value = low = high), as an override does."""
        return replace(
            self,
            value=value,
            low=value,
            high=value,
            citation=citation,
            by_year=None,
            by_qualifier=None,
        )


@dataclass(frozen=True)
class Parameters:
    """The parameters an estimator runs with: its table, the caller's overrides, and windows.

    Attributes:
        table: the estimator's parameters by name.
        overrides: values the caller pinned (the dashboard's what-if), by parameter name.
        windows: (start, end) date windows the caller asked for (used by market estimators).
    """

    table: Mapping[str, Parameter]
    overrides: Mapping[str, float] = field(default_factory=dict)
    windows: tuple[tuple[dt.date, dt.date], ...] = ()

    def __getitem__(self, name: str) -> Parameter:
        """The parameter as it applies everywhere: its default, or the caller's override."""
        parameter = self.table[name]
        if name in self.overrides:
            return parameter.with_default(float(self.overrides[name]))
        return parameter

    def origin(self, name: str) -> str:
        """'override' or 'default: <citation>' for a parameter used as a plain number."""
        return "override" if name in self.overrides else f"default: {self.table[name].citation}"

    def attach(self, rows: pl.DataFrame, evidence: Evidence, *names: str) -> pl.DataFrame:
        """``rows`` with each named parameter resolved per row (see the module docstring).

        ``rows`` needs ``subject``, ``as_of`` and ``chip`` columns, plus any column a
        parameter's ``method_qualifiers`` or ``by_year`` names.
        """
        indexed = rows.with_row_index("_row")
        for name in names:
            parameter = self.table[name]
            indexed = resolve(indexed, evidence, parameter, self.overrides.get(name))
        return indexed.drop("_row")


def is_chip_level_price(qualifier: pl.Expr) -> pl.Expr:
    """True for purchase prices of the bare chip (qualifier naming 'chip', 'asp' or 'single':
    a single-unit price in Epoch AI's table, a TPU's equivalent chip price).

    Other purchase prices (DGX/HGX per GPU, server listings) already include the server; a
    chip-only price is multiplied by ``server_overhead`` (Epoch AI's rule).
    """
    return qualifier.str.contains("(?i)chip|asp|single").fill_null(False)


def table(*parameters: Parameter) -> dict[str, Parameter]:
    """A parameter table from parameters (what an Estimator's ``parameters`` becomes)."""
    return {p.name: p for p in parameters}


def check_overrides(overrides: Mapping[str, float], known: Sequence[str]) -> dict[str, float]:
    """Validated overrides: every name known, every value a finite number."""
    checked = {}
    for name, value in overrides.items():
        if name not in known:
            from costboard.warehouse.errors import did_you_mean

            raise ValueError(f"unknown parameter '{name}'" + did_you_mean(name, list(known)))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"parameter '{name}': '{value}' is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"parameter '{name}' must be a finite number, not {value}")
        checked[name] = number
    return checked
