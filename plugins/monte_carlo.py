"""A Monte Carlo over a cost formula: its 90% interval and the inputs that drive it (issue 20).

:func:`interval_and_drivers` takes a working frame (one row per estimate, each uncertain
input as three columns, ``{name}``, ``{name}_low`` and ``{name}_high``, the convention of the
parameter ladder and the evidence readers) and the estimator's own formula as a polars
expression. It draws N values of every uncertain input per row (distributions.py: the row's
5th-95th percentiles fitted by the input's shape, draws seeded by the row's identity), runs
the formula once over all the draws, and gives each row:

- ``mc_low``, ``mc_high``: the formula's 5th and 95th percentiles over the draws;
- ``drivers``: each input's share of the log-variance of the result, largest first: the
  squared correlation between the logarithm of the result and the input's standard normal
  draw, over the sum of those. This is a linear approximation of the first-order
  sensitivity indices. For a product of lognormal factors it is exact: each share is that
  factor's part of the variance of the log. For clipped inputs and sums it is approximate,
  and the normalising hides what no single input explains. A result that is not positive
  in every draw (a signed move) is correlated as it is, not by its logarithm.

An input whose low equals its high, or that has no interval, is exact: it is not drawn and
its share is 0. An interval that cannot be fitted (not finite, low above high, a lognormal
not above 0) is a ``ValueError`` naming the input and how many rows. The formula needs no
sampling code of its own: it is evaluated on a frame whose input columns hold draws instead
of central values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from costboard.plugins.distributions import Kind, at_draws, seed, standard_normals

#: Draws per estimate when the caller names none (issue 20 asks for at least 1,000).
DEFAULT_DRAWS: Final = 1_000
_ROW, _VALUE = "_mc_row", "_mc_value"
#: The drivers column: (input, share) pairs, the largest share first.
_DRIVERS: Final = pl.List(pl.Struct({"input": pl.String(), "share": pl.Float64()}))


def _z(name: str) -> str:
    return f"_mc_z_{name}"


def _bad_bounds(rows: pl.DataFrame, name: str, kind: Kind) -> str | None:
    """Why some rows' interval of ``name`` cannot be drawn from (None: every row's can)."""
    low, high = pl.col(f"{name}_low"), pl.col(f"{name}_high")
    known = low.is_not_null() & high.is_not_null()
    bad = known & (~low.is_finite() | ~high.is_finite() | (low > high))
    if kind == "lognormal":
        bad = bad | (known & (low < high) & (low <= 0))
    count = rows.select(bad.sum()).item()
    if not count:
        return None
    rule = "finite, low <= high" + (", low > 0 unless exact" if kind == "lognormal" else "")
    return f"{name}: {count} row(s) with a 90% interval a {kind} cannot fit ({rule})"


def interval_and_drivers(
    rows: pl.DataFrame,
    formula: pl.Expr,
    inputs: Mapping[str, Kind],
    *,
    seed_by: Sequence[str],
    salt: str,
    draws: int = DEFAULT_DRAWS,
) -> pl.DataFrame:
    """``rows`` with ``mc_low``, ``mc_high`` and ``drivers`` (see the module docstring).

    ``inputs`` maps each uncertain input's column to its shape; ``seed_by`` names the columns
    that identify a row (subject, evidence date, ...) and ``salt`` what is estimated (the
    estimator's name): together they seed the row's draws, so a row's interval is the same
    whatever other rows are in the frame, in every process and on every machine.
    """
    names = list(inputs)
    rows = rows.with_columns(
        pl.col(f"{name}{end}").cast(pl.Float64) for name in names for end in ("", "_low", "_high")
    )
    problems = [why for name in names if (why := _bad_bounds(rows, name, inputs[name]))]
    if problems:
        raise ValueError("; ".join(problems))
    indexed = rows.with_row_index(_ROW)
    if indexed.is_empty() or not names:
        return rows.with_columns(
            mc_low=formula, mc_high=formula, drivers=pl.lit([], dtype=_DRIVERS)
        )
    import numpy as np

    # (rows, inputs, draws): each row's own seeded draws
    normals = np.stack(
        [
            standard_normals(seed(salt, *key), draws, len(names))
            for key in indexed.select(seed_by).iter_rows()
        ]
    )
    long = pl.DataFrame(
        {
            _ROW: np.repeat(np.arange(indexed.height, dtype=np.uint32), draws),
            **{_z(name): normals[:, k, :].ravel() for k, name in enumerate(names)},
        }
    )
    # An exact input (low = high) or one with no interval is not drawn: it keeps its central
    # value, and its draw is zeroed so it explains nothing.
    exact = {
        name: (pl.col(f"{name}_low") == pl.col(f"{name}_high")).fill_null(True) for name in names
    }
    needed = {_ROW, *names, *formula.meta.root_names()}
    needed |= {f"{name}{end}" for name in names for end in ("_low", "_high")}
    long = long.join(indexed.select(sorted(needed)), on=_ROW, how="left").with_columns(
        *(
            pl.when(exact[name])
            .then(pl.col(name))
            .otherwise(
                at_draws(
                    pl.col(f"{name}_low"), pl.col(f"{name}_high"), pl.col(_z(name)), inputs[name]
                )
            )
            for name in names
        ),
        *(
            pl.when(exact[name]).then(0.0).otherwise(pl.col(_z(name))).alias(_z(name))
            for name in names
        ),
    )
    # The log of the result where every draw is positive (a product's shares add up there);
    # the result itself where some are not (a signed move).
    log_value = (
        pl.when(pl.col(_VALUE).min() > 0).then(pl.col(_VALUE).log()).otherwise(pl.col(_VALUE))
    )
    summary = (
        long.with_columns(formula.alias(_VALUE))
        .group_by(_ROW)
        .agg(
            pl.col(_VALUE).quantile(0.05, "linear").alias("mc_low"),
            pl.col(_VALUE).quantile(0.95, "linear").alias("mc_high"),
            *(
                pl.corr(log_value, pl.col(_z(name))).fill_nan(0.0).pow(2).alias(_z(name))
                for name in names
            ),
        )
    )
    total = pl.sum_horizontal(pl.col(_z(name)) for name in names)
    shares = [
        pl.struct(
            pl.lit(name).alias("input"),
            pl.when(total > 0).then(pl.col(_z(name)) / total).otherwise(0.0).alias("share"),
        )
        for name in names
    ]
    summary = summary.with_columns(
        pl.concat_list(shares)
        .list.eval(pl.element().sort_by(pl.element().struct.field("share"), descending=True))
        .alias("drivers")
    ).select(_ROW, "mc_low", "mc_high", "drivers")
    return indexed.join(summary, on=_ROW, how="left").sort(_ROW).drop(_ROW)
