"""Cost-model parameters: cited defaults, and how claims and the caller override them.

Every parameter has a default value with a low-high range and a citation (the figures come
from ``shared/reference/costfacts.md``). For each row an estimator fills, a parameter resolves
in this order (the first that exists wins):

1. an override the caller passed (the dashboard's what-if): pins value, low and high;
2. a claim about the row's own subject (``own_scopes``), e.g. DeepSeek's "$2 per H800-hour";
3. a claim about the row's chip (``chip_scopes``), e.g. a rental listing for the H800;
4. a method claim on the ``ml-hardware`` subject (``method=True``), e.g. Epoch AI's PUE; a
   method claim whose qualifier names the row's chip (or year, ...) beats an unqualified one;
5. the default.

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

#: Developers whose data centres get Epoch AI's hyperscaler PUE (costfacts §4: Google/DeepMind/
#: Microsoft/Amazon/Meta).
HYPERSCALERS: Final = (
    "Google",
    "Google DeepMind",
    "DeepMind",
    "Microsoft",
    "Amazon",
    "Meta",
)


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
            (e.g. ``("chip",)``: Epoch's A100 server overhead applies to A100 rows).
        accept: a filter over candidate claims (columns qualifier, scope, subject), e.g. only
            utilization measured against BF16 peak.
        prefer: a rank among candidates at the same level (lower first), before recency.
        by_year: defaults that depend on the row's ``year`` column (years outside the table
            take the nearest year's value); low/high scale with the value.
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
        return replace(self, value=value, low=value, high=value, citation=citation, by_year=None)


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
    if parameter.by_year and "year" in rows.columns:
        years = sorted(parameter.by_year)
        year = pl.col("year").cast(pl.Int64).clip(years[0], years[-1])
        value = year.replace_strict(
            dict(parameter.by_year), default=parameter.value, return_dtype=pl.Float64
        )
        if parameter.value == 0:  # no scale to carry the range by: keep it as declared
            return value, pl.lit(parameter.low), pl.lit(parameter.high)
        return (
            value,
            value * (parameter.low / parameter.value),
            value * (parameter.high / parameter.value),
        )
    return pl.lit(parameter.value), pl.lit(parameter.low), pl.lit(parameter.high)


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
            for column in keys:
                applies = applies | (pl.col("qualifier") == pl.col(column).cast(pl.String))
            candidates.append(
                rows.select("_row", "as_of", *keys)
                .join(method, on="as_of")
                .filter(applies.fill_null(False))
                .with_columns(
                    pl.lit(3).alias("_level"),
                    # A method claim for this row's chip (or year) beats a general one.
                    pl.col("qualifier").is_null().cast(pl.Int32).alias("_prefer"),
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
            }
        )
    # Resolving a parameter twice replaces its columns instead of clashing with them.
    stale = [c for c in (*chosen.columns, f"{name}_origin") if c != "_row" and c in rows.columns]
    joined = rows.drop(stale).join(
        chosen.with_columns(pl.col("_row").cast(rows.schema["_row"])), on="_row", how="left"
    )
    if override is not None:
        value = float(override)
        return joined.with_columns(
            pl.lit(value).alias(name),
            pl.lit(value).alias(f"{name}_low"),
            pl.lit(value).alias(f"{name}_high"),
            pl.lit(None, dtype=pl.String).alias(f"{name}_claim_id"),
            pl.lit("override").alias(f"{name}_origin"),
        )
    default, default_low, default_high = _default_expr(parameter, joined)
    from_claim = pl.col(f"{name}_claim_id").is_not_null()
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
    )


# --- the built-in estimators' parameters -------------------------------------------------------

EPOCH = "Epoch AI, 'The rising costs of training frontier AI models' (arXiv 2405.21015, 2024)"
EPOCH_UNCERTAINTY = "Epoch AI uncertainty.ipynb (90% intervals, 2024)"

#: Utilization and peak must share a basis: Epoch uses the BF16/FP16 dense peak first.
_LOW_PRECISION = pl.col("qualifier").str.contains("(?i)fp8|int8|fp4")


def is_chip_level_price(qualifier: pl.Expr) -> pl.Expr:
    """True for purchase prices of the bare chip (qualifier naming 'chip' or 'asp').

    Other purchase prices (DGX/HGX per GPU, server listings) already include the server; a
    chip-only price is multiplied by ``server_overhead`` (Epoch AI's rule).
    """
    return qualifier.str.contains("(?i)chip|asp").fill_null(False)


RENTAL_PRICE = Parameter(
    "rental_price",
    2.0,
    1.99,
    4.86,
    "usd_per_gpu_hour",
    "$2 per H800 GPU-hour, DeepSeek-V3 report Table 1 (Dec 2024); range: H100 at Lambda $1.99 "
    "(Jun 2023) to Google Cloud 3-yr committed $4.86 (Mar 2025), Epoch AI price table (costfacts §7)",
    metric="rental_price",
    own_scopes=("final_run",),
    chip_scopes=("market",),
    description="rental price of one GPU for one hour",
)
PURCHASE_PRICE = Parameter(
    "purchase_price",
    33750.0,
    16875.0,
    67500.0,
    "usd_per_gpu",
    "DGX H100 ~$270,000 / 8 GPUs = $33,750 per GPU incl. server, SemiAnalysis (May 2023) via "
    "Epoch AI's price table; range 0.5x-2x, Epoch AI GPU price uncertainty (costfacts §4, §7)",
    metric="purchase_price",
    own_scopes=("final_run", "cluster_capex"),
    chip_scopes=("market",),
    # Server-level prices (DGX/HGX per GPU, listings) are what Epoch amortizes; prefer them.
    prefer=is_chip_level_price(pl.col("qualifier")).cast(pl.Int32),
    dated=dt.date(2023, 5, 31),
    description="purchase price per GPU at server level (a chip-only price gets server_overhead)",
)
SERVER_OVERHEAD = Parameter(
    "server_overhead",
    1.64,
    1.3,
    2.1,
    "ratio",
    f"server cost over chip price, default 1.64 (uncertainty 1.3-2.1), {EPOCH}",
    metric="server_overhead",
    method=True,
    method_qualifiers=("chip",),
    description="server cost over chip price, applied to chip-only purchase prices",
)
DEPRECIATION_RATE = Parameter(
    "depreciation_rate",
    0.14,
    0.10,
    0.18,
    "ooms_per_year",
    f"ML GPU price-performance trend, 0.14 orders of magnitude a year (0.10-0.18), {EPOCH}",
    metric="depreciation_rate",
    method=True,
    description="hardware value lost per year, in orders of magnitude",
)
INTERCONNECT_FRACTION = Parameter(
    "interconnect_fraction",
    0.19,
    1 - 1 / 1.07,
    1 - 1 / 1.32,
    "ratio",
    f"cluster interconnect = 19% of cluster cost; range from interconnect overhead 1.07-1.32x, "
    f"{EPOCH}",
    metric="interconnect_fraction",
    method=True,
    description="share of the cluster's cost spent on interconnect",
)
UTILIZATION = Parameter(
    "utilization",
    0.375,
    0.1,
    0.65,
    "ratio",
    f"median of 33 known MFU values, 0.375 (range 0.1-0.65), {EPOCH}",
    metric="utilization",
    own_scopes=("final_run",),
    method=True,
    # MFU measured against an FP8 peak is half the BF16 figure (costfacts §5): never mix them.
    accept=~_LOW_PRECISION.fill_null(False),
    prefer=pl.col("qualifier").str.contains("(?i)noncausal").cast(pl.Int32),
    description="model FLOP utilization against the BF16 dense peak",
)
PEAK_FLOPS = Parameter(
    "peak_flops",
    989e12,
    989e12,
    989e12,
    "flop_per_second",
    "H100/H800 SXM BF16 dense peak 989 TFLOP/s, NVIDIA H100 spec page and Epoch AI chip data",
    metric="peak_flops",
    own_scopes=("spec", "final_run"),
    chip_scopes=("spec",),
    accept=pl.col("qualifier").is_null() | pl.col("qualifier").str.contains("(?i)bf16|fp16"),
    description="peak dense BF16 throughput of one chip",
)
POWER = Parameter(
    "power",
    0.7,
    0.7,
    0.7,
    "kw",
    "H100/H800 SXM TDP 700 W, NVIDIA H100 spec page and Epoch AI chip data (costfacts §7)",
    metric="power",
    own_scopes=("final_run", "spec"),
    chip_scopes=("spec",),
    description="chip TDP in kW",
)
SERVER_POWER_MULTIPLIER = Parameter(
    "server_power_multiplier",
    1.8,
    1.8,
    1.8,
    "ratio",
    f"chip-to-server power multiplier for GPUs without their own figure, 1.8, {EPOCH}",
    metric="server_power_multiplier",
    method=True,
    method_qualifiers=("chip",),
    description="server power per chip over chip TDP",
)
AVERAGE_POWER_FRACTION = Parameter(
    "average_power_fraction",
    0.75,
    0.56,
    1.0,
    "ratio",
    f"average power over TDP for GPUs, 0.75 (power ratio 0.56-1.0), {EPOCH}",
    metric="average_power_fraction",
    method=True,
    description="average power over TDP during training",
)
PUE = Parameter(
    "pue",
    1.25,
    1.12,
    1.4,
    "ratio",
    f"PUE 1.25 outside hyperscalers (1.12-1.4), {EPOCH}",
    metric="pue",
    method=True,
    method_qualifiers=("pue_class",),
    description="power usage effectiveness of the data centre",
)
ELECTRICITY_PRICE = Parameter(
    "electricity_price",
    0.0771,
    0.0771 * 0.6,
    0.0771 * 1.7,
    "usd_per_kwh",
    f"average US industrial electricity price by year (2024: $0.0771/kWh; range 0.6-1.7x), {EPOCH}",
    metric="electricity_price",
    method=True,
    method_qualifiers=("year",),
    by_year={
        2020: 0.0667,
        2021: 0.0718,
        2022: 0.0832,
        2023: 0.0806,
        2024: 0.0771,
        2025: 0.0826,
    },
    description="electricity price by year",
)
OPEX_FRACTION = Parameter(
    "opex_fraction",
    0.15,
    0.10,
    0.20,
    "ratio",
    "operating cost per year over server capex: Glenn's reading of SemiAnalysis's TCO chart, "
    "$640M/yr TCO - $1.6B capex / 4 y = $240M/yr = 15% (Hoppers only: 13.9%; SemiAnalysis's "
    "$944M over 4 y = 14.75%); range +-1/3 as the method is not public (costfacts §3)",
    description="fleet operating cost per year as a share of server capex",
)
OWNERSHIP_YEARS = Parameter(
    "ownership_years",
    4.0,
    4.0,
    4.0,
    "years",
    "SemiAnalysis's 'TCO (4y ownership)' row, DeepSeek Debates (31 Jan 2025, costfacts §3)",
    description="years of ownership an operating-cost total covers",
)
SHARES_UNCERTAINTY = Parameter(
    "shares_uncertainty",
    0.02,
    0.02,
    0.02,
    "ratio",
    "NVDA shares outstanding 24.4B (basic) vs 24.804B (Macrotrends, with dilution) differ by "
    "1.6% (marketdata.md §1b); rounded up to +-2%",
    description="relative uncertainty of a shares-outstanding count",
)

CLOSE_UNCERTAINTY = Parameter(
    "close_uncertainty",
    0.001,
    0.001,
    0.001,
    "ratio",
    "NVDA's 27 Jan 2025 close as reported: $118.42 / $118.51 / $118.58, up to 0.14% apart "
    "(marketdata.md caveat 3); +-0.1% on each close",
    description="relative uncertainty of a reported closing price",
)

#: Every built-in parameter by name; the dashboard's what-if offers these.
DEFAULTS: Final[dict[str, Parameter]] = {
    p.name: p
    for p in (
        RENTAL_PRICE,
        PURCHASE_PRICE,
        SERVER_OVERHEAD,
        DEPRECIATION_RATE,
        INTERCONNECT_FRACTION,
        UTILIZATION,
        PEAK_FLOPS,
        POWER,
        SERVER_POWER_MULTIPLIER,
        AVERAGE_POWER_FRACTION,
        PUE,
        ELECTRICITY_PRICE,
        OPEX_FRACTION,
        OWNERSHIP_YEARS,
        SHARES_UNCERTAINTY,
        CLOSE_UNCERTAINTY,
    )
}

#: Epoch AI's 90% interval for amortized hardware + energy (GPU), relative to the central value.
AMORTIZED_RANGE: Final = (0.34, 3.7)
#: Epoch AI's 90% interval for the acquisition cost (GPU), relative to the central value.
ACQUISITION_RANGE: Final = (0.46, 2.1)
RANGE_CITATION: Final = EPOCH_UNCERTAINTY


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
