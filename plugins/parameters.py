"""Cost-model parameters: the mechanism of cited defaults, and how claims and the caller
override them.

A :class:`Parameter` is a default value with a low-high range and a citation. This module
declares none: each estimator declares its own, in its own module (the built-ins' in their
``default_*`` modules, with figures from ``shared/reference/costfacts.md``; a parameter several
built-ins use is declared once, by the first, and imported by the others). For each row an
estimator fills, a parameter resolves in this order (the first that exists wins):

1. an override the caller passed (the dashboard's what-if): pins value, low and high;
2. a claim about the row's own subject (``own_scopes``), e.g. DeepSeek's "$2 per H800-hour";
3. a claim about the row's chip (``chip_scopes``), e.g. a rental listing for the H800;
4. a method claim on the ``ml-hardware`` subject (``method=True``), e.g. Epoch AI's PUE; a
   method claim whose qualifier names the row's chip (or its family, year, ...) beats an
   unqualified one, and the earlier a column comes in ``method_qualifiers`` the more specific
   it is (chip before family before class);
5. the default: by the row's year (``by_year``), by the first ``method_qualifiers`` column
   whose value the parameter has a default for (``by_qualifier``), else the plain default.

Resolution is a handful of joins over the whole frame, never a loop over rows. Each resolved
parameter adds five columns: ``{name}``, ``{name}_low``, ``{name}_high``, ``{name}_claim_id``
and ``{name}_origin`` ("override", "claim: <claim_id>" or "default: <citation>"), plus
``{name}_qualifier`` and ``{name}_stated_on`` of the claim used.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final

import polars as pl

from costboard.plugins.evidence import METHOD_SUBJECT, point_and_range

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
        accept: a filter over candidate claims (columns qualifier, scope, subject), e.g. only
            utilization measured against BF16 peak.
        prefer: a rank among candidates at the same level (lower first), before recency.
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


_CANDIDATE_COLUMNS: Final = (
    "_row",
    "value",
    "low",
    "high",
    "claim_id",
    "qualifier",
    "scope",
    "subject",
    "stated_on",
)


def _default_expr(parameter: Parameter, rows: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    value: pl.Expr = pl.lit(parameter.value)
    if parameter.by_year and "year" in rows.columns:
        years = sorted(parameter.by_year)
        year = pl.col("year").cast(pl.Int64).clip(years[0], years[-1])
        value = year.replace_strict(
            dict(parameter.by_year), default=parameter.value, return_dtype=pl.Float64
        )
    elif (specific := _specific_default(parameter, rows)) is not None:
        value = pl.coalesce(specific, pl.lit(parameter.value))
    else:
        return value, pl.lit(parameter.low), pl.lit(parameter.high)
    if parameter.value == 0:  # no scale to carry the range by: keep it as declared
        return value, pl.lit(parameter.low), pl.lit(parameter.high)
    return (
        value,
        value * (parameter.low / parameter.value),
        value * (parameter.high / parameter.value),
    )


def _specific_default(parameter: Parameter, rows: pl.DataFrame) -> pl.Expr | None:
    """The row's ``by_qualifier`` default (null where none applies), or None without one."""
    keys = [c for c in parameter.method_qualifiers if c in rows.columns]
    if not parameter.by_qualifier or not keys:
        return None
    return pl.coalesce(
        *(
            pl.col(c)
            .cast(pl.String)
            .replace_strict(dict(parameter.by_qualifier), default=None, return_dtype=pl.Float64)
            for c in keys
        )
    )


def resolve(
    rows: pl.DataFrame, evidence: Evidence, parameter: Parameter, override: float | None = None
) -> pl.DataFrame:
    """Add ``parameter``'s columns to ``rows`` (which must carry a unique ``_row`` index)."""
    name = parameter.name
    candidates: list[pl.DataFrame] = []
    if parameter.metric is not None and override is None:
        claims = evidence.frame.filter(pl.col("metric") == parameter.metric)
        if parameter.own_scopes:
            own = claims.filter(pl.col("scope").is_in(parameter.own_scopes))
            candidates.append(
                rows.select("_row", "subject", "as_of")
                .join(own, on=["subject", "as_of"])
                .with_columns(pl.lit(1).alias("_level"))
            )
        if parameter.chip_scopes:
            chip = claims.filter(pl.col("scope").is_in(parameter.chip_scopes))
            candidates.append(
                rows.select("_row", "chip", "as_of")
                .drop_nulls("chip")
                .join(chip, left_on=["chip", "as_of"], right_on=["subject", "as_of"])
                .with_columns(pl.col("chip").alias("subject"), pl.lit(2).alias("_level"))
            )
        # A row-level filter and preference apply to own and chip claims alike.
        if candidates and parameter.accept is not None:
            candidates = [c.filter(parameter.accept.fill_null(False)) for c in candidates]
        if candidates:
            prefer = parameter.prefer if parameter.prefer is not None else pl.lit(0)
            candidates = [c.with_columns(prefer.fill_null(0).alias("_prefer")) for c in candidates]
        if parameter.method:
            method = claims.filter(
                (pl.col("subject") == METHOD_SUBJECT) & (pl.col("scope") == "method")
            )
            keys = [c for c in parameter.method_qualifiers if c in rows.columns]
            applies = pl.col("qualifier").is_null()
            # A method claim for this row's chip (or family, year) beats a general one; the
            # earlier its column in method_qualifiers, the more specific the claim.
            specificity = pl.when(pl.col("qualifier").is_null()).then(pl.lit(len(keys)))
            for rank, column in enumerate(keys):
                names_it = pl.col("qualifier") == pl.col(column).cast(pl.String)
                applies = applies | names_it
                specificity = specificity.when(names_it).then(pl.lit(rank))
            candidates.append(
                rows.select("_row", "as_of", *keys)
                .join(method, on="as_of")
                .filter(applies.fill_null(False))
                .with_columns(
                    pl.lit(3).alias("_level"),
                    specificity.cast(pl.Int32).alias("_prefer"),
                )
            )
    chosen: pl.DataFrame | None = None
    usable = [c for c in candidates if c.height]
    if usable:
        point, low, high = point_and_range()
        chosen = (
            pl.concat(
                [c.select(*_CANDIDATE_COLUMNS, "_level", "_prefer") for c in usable],
                how="vertical_relaxed",
            )
            .sort(
                "_row",
                "_level",
                "_prefer",
                "stated_on",
                "claim_id",
                descending=[False, False, False, True, True],
            )
            .unique("_row", keep="first", maintain_order=True)
            .select(
                "_row",
                point.alias(name),
                low.alias(f"{name}_low"),
                high.alias(f"{name}_high"),
                pl.col("claim_id").alias(f"{name}_claim_id"),
                pl.col("qualifier").alias(f"{name}_qualifier"),
                pl.col("stated_on").alias(f"{name}_stated_on"),
                pl.col("_level").alias("_chosen_level"),
            )
        )
    if chosen is None:
        chosen = pl.DataFrame(
            schema={
                "_row": pl.UInt32,
                name: pl.Float64,
                f"{name}_low": pl.Float64,
                f"{name}_high": pl.Float64,
                f"{name}_claim_id": pl.String,
                f"{name}_qualifier": pl.String,
                f"{name}_stated_on": pl.Date,
                "_chosen_level": pl.Int32,
            }
        )
    # Resolving a parameter twice replaces its columns instead of clashing with them.
    stale = [c for c in (*chosen.columns, f"{name}_origin") if c != "_row" and c in rows.columns]
    joined = rows.drop(stale).join(
        chosen.with_columns(pl.col("_row").cast(rows.schema["_row"])), on="_row", how="left"
    )
    if override is not None:
        value = float(override)
        return joined.drop("_chosen_level").with_columns(
            pl.lit(value).alias(name),
            pl.lit(value).alias(f"{name}_low"),
            pl.lit(value).alias(f"{name}_high"),
            pl.lit(None, dtype=pl.String).alias(f"{name}_claim_id"),
            pl.lit("override").alias(f"{name}_origin"),
        )
    default, default_low, default_high = _default_expr(parameter, joined)
    from_claim = pl.col(f"{name}_claim_id").is_not_null()
    specific = _specific_default(parameter, joined)
    if specific is not None:
        # A default for this row's chip family (say) is more specific than a method claim
        # that names no chip: Epoch's V100 power multiplier beats its general 1.8.
        general = (pl.col("_chosen_level") == 3) & pl.col(f"{name}_qualifier").is_null()
        from_claim = from_claim & ~(general & specific.is_not_null()).fill_null(False)
    return joined.with_columns(
        pl.when(from_claim).then(pl.col(name)).otherwise(default).alias(name),
        pl.when(from_claim).then(pl.col(f"{name}_low")).otherwise(default_low).alias(f"{name}_low"),
        pl.when(from_claim)
        .then(pl.col(f"{name}_high"))
        .otherwise(default_high)
        .alias(f"{name}_high"),
        pl.when(from_claim)
        .then(pl.lit("claim: ") + pl.col(f"{name}_claim_id"))
        .otherwise(pl.lit(f"default: {parameter.citation}"))
        .alias(f"{name}_origin"),
        *(
            pl.when(from_claim).then(pl.col(f"{name}_{part}")).alias(f"{name}_{part}")
            for part in ("claim_id", "qualifier", "stated_on")
        ),
    ).drop("_chosen_level")


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
