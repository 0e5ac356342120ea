"""The cost formulas, as polars expressions (one place, shared by the built-in estimators).

Every function takes and returns expressions, so it works on a whole frame at once. The
formulas and constants are Epoch AI's (``cost_analysis_standalone.py``, costfacts §4) and the
compute-based estimate's (costfacts §5).
"""

from __future__ import annotations

import math
from typing import Final

import polars as pl

#: Hours in a year as Epoch AI counts them (365.25 days).
HOURS_PER_YEAR: Final = 8766.0
DAYS_PER_YEAR: Final = 365.25
SECONDS_PER_HOUR: Final = 3600.0
#: Epoch AI: training starts this long before publication, on top of the training time.
DAYS_BEFORE_PUBLICATION: Final = 60
#: Epoch AI: hardware is acquired no earlier than its release plus this many days.
DAYS_AFTER_RELEASE: Final = 90

Number = pl.Expr | float


def _expr(x: Number) -> pl.Expr:
    return x if isinstance(x, pl.Expr) else pl.lit(float(x))


def six_nd(active_params: Number, tokens: Number) -> pl.Expr:
    """Training compute C = 6 x N x D FLOP (N active parameters, D tokens)."""
    return 6.0 * _expr(active_params) * _expr(tokens)


def gpu_hours_from_flop(flop: Number, peak_flops: Number, utilization: Number) -> pl.Expr:
    """GPU-hours to do ``flop`` at ``utilization`` of ``peak_flops`` (FLOP/s per GPU)."""
    return _expr(flop) / (_expr(peak_flops) * _expr(utilization)) / SECONDS_PER_HOUR


def achieved_flops(flop: Number, gpu_hours: Number) -> pl.Expr:
    """Average FLOP/s per GPU over a run: FLOP / (GPU-hours x 3600)."""
    return _expr(flop) / (_expr(gpu_hours) * SECONDS_PER_HOUR)


def implied_utilization(flop: Number, gpu_hours: Number, peak_flops: Number) -> pl.Expr:
    """Model FLOP utilization implied by FLOP done in GPU-hours on chips of ``peak_flops``."""
    return achieved_flops(flop, gpu_hours) / _expr(peak_flops)


def depreciated_value(price: Number, years: Number, rate_ooms_per_year: Number) -> pl.Expr:
    """Epoch AI: V = P x 10^(-r x years), r in orders of magnitude per year."""
    return _expr(price) * (10.0 ** (-_expr(rate_ooms_per_year) * _expr(years)))


def amortization_per_year(rate_ooms_per_year: Number) -> pl.Expr:
    """Epoch AI's optimal-replacement amortization rate: r x ln(10) per year."""
    return _expr(rate_ooms_per_year) * math.log(10)


def cost_per_chip_hour(value: Number, rate_ooms_per_year: Number) -> pl.Expr:
    """Epoch AI: V x r x ln(10) / 8,766 dollars per chip-hour."""
    return _expr(value) * amortization_per_year(rate_ooms_per_year) / HOURS_PER_YEAR


def interconnect_cost(hardware_cost: Number, fraction: Number) -> pl.Expr:
    """Interconnect that is ``fraction`` of the whole cluster's cost: hw x f / (1 - f)."""
    return _expr(hardware_cost) * _expr(fraction) / (1.0 - _expr(fraction))


def cluster_cost(chips_cost: Number, interconnect_fraction: Number) -> pl.Expr:
    """The cluster's cost with interconnect: chips / (1 - f)."""
    return _expr(chips_cost) / (1.0 - _expr(interconnect_fraction))


def gpu_energy_kwh(power_kw: Number, chip_hours: Number) -> pl.Expr:
    """Raw GPU energy at TDP: kW x chip-hours."""
    return _expr(power_kw) * _expr(chip_hours)


def facility_energy_kwh(
    power_kw: Number,
    server_power_multiplier: Number,
    average_power_fraction: Number,
    pue: Number,
    chip_hours: Number,
) -> pl.Expr:
    """Epoch AI: TDP x chip-to-server multiplier x average-power fraction x PUE x chip-hours."""
    return (
        _expr(power_kw)
        * _expr(server_power_multiplier)
        * _expr(average_power_fraction)
        * _expr(pue)
        * _expr(chip_hours)
    )


def wall_clock_hours(gpu_hours: Number, gpu_count: Number) -> pl.Expr:
    """Training time from GPU-hours on ``gpu_count`` GPUs (null unless the count is positive)."""
    count = _expr(gpu_count)
    return pl.when(count > 0).then(_expr(gpu_hours) / count)


def ordered(a: pl.Expr, b: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(the smaller, the larger) of two expressions, row by row (for signed ranges)."""
    return pl.min_horizontal(a, b), pl.max_horizontal(a, b)
