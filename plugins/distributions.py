"""Uncertain inputs as distributions, and the seeded draws a Monte Carlo runs on (issue 20).

Epoch AI writes each uncertain input of its cost model as a 90% interval (its 5th and 95th
percentiles) and a shape (shared/reference/epoch/UNCERTAINTY.md): lognormal for a positive
quantity that multiplies the cost (a price, a count, an overhead), normal for an offset or a
rate (the years from acquisition to training, the price-performance trend), a normal clipped
to a range for utilization. A :class:`Distribution` is that, with its source.

The draws are a Latin hypercube: each input's N draws are the standard normal's N quantiles
at (i + 0.5) / N, in an order shuffled by the seed. The marginal percentiles then carry no
sampling error, only the grid's small bias at small N: the 95th percentile of the draws is
1.603 at N = 100 and 1.6405 at N = 1,000, for the true 1.645. The inputs stay independent.
The order comes from PCG64's raw 64-bit stream, which NumPy promises to keep for a given
seed (its ``Generator`` methods may change; the bit stream may not), and it is integers only,
so the same seed gives the same order of draws everywhere. The values then go through
floating-point ``log`` and ``exp``, which agree across machines to the last few digits, not
always bit for bit. The seed comes from what is estimated (:func:`seed`), and the draws also
depend on N and on the order of the inputs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist
from typing import TYPE_CHECKING, Final, Literal

import polars as pl

if TYPE_CHECKING:  # NumPy loads on the first draw: declaring a distribution needs none
    import numpy as np

#: The standard normal's 95th percentile: a 90% interval spans 2 x Z90 standard deviations.
Z90: Final = NormalDist().inv_cdf(0.95)

Kind = Literal["lognormal", "normal"]


@dataclass(frozen=True)
class Distribution:
    """An input's 90% interval (``low`` = 5th percentile, ``high`` = 95th) and its shape.

    Attributes:
        low, high: the 5th and 95th percentiles, in the input's unit (or as a factor of its
            central value).
        kind: ``lognormal`` (positive, multiplicative) or ``normal`` (an offset or a rate).
        source: where the interval comes from, shown with the estimate.
        clip: (lowest, highest) a draw may take (Epoch clips utilization to [0.01, 0.99]).
        central: the value the input is relative to ("÷ central" in UNCERTAINTY.md): draws
            are divided by it, so a factor of 1 is the central value. None: draws as drawn.
    """

    low: float
    high: float
    kind: Kind = "lognormal"
    source: str = ""
    clip: tuple[float, float] | None = None
    central: float | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"a 90% interval needs low < high, not {self.low}-{self.high}")
        if self.kind == "lognormal" and self.low <= 0:
            raise ValueError(f"a lognormal interval needs a positive low, not {self.low}")
        if self.central is not None and self.central <= 0:
            raise ValueError(f"a central value to divide by must be positive, not {self.central}")
        if self.clip is not None and not self.clip[0] < self.clip[1]:
            raise ValueError(f"a clip needs lowest < highest, not {self.clip}")

    def draws(self, z: np.ndarray) -> np.ndarray:
        """The input's values at standard-normal draws ``z`` (z = 0: its median)."""
        values = pl.select(at_draws(pl.lit(self.low), pl.lit(self.high), pl.lit(z), self.kind))
        drawn = values.to_series().to_numpy()
        if self.clip is not None:
            drawn = drawn.clip(*self.clip)
        return drawn / self.central if self.central is not None else drawn


def at_draws(low: pl.Expr, high: pl.Expr, z: pl.Expr, kind: Kind) -> pl.Expr:
    """Values at standard-normal draws ``z`` of a ``kind`` fitted to a 5th-95th percentile
    of ``low``-``high``: Epoch's fit, the one place it is written (a :class:`Distribution`
    and the Monte Carlo's per-row intervals both use it)."""
    if kind == "lognormal":
        location = (low.log() + high.log()) / 2
        scale = (high.log() - low.log()) / (2 * Z90)
        return (location + scale * z).exp()
    return (low + high) / 2 + (high - low) / (2 * Z90) * z


def seed(*parts: object) -> int:
    """A 64-bit seed from what is estimated (estimator, subject, evidence date, ...).

    SHA-256 of the parts' text, so it is the same in every process and on every machine
    (Python's own ``hash`` of a string changes from one process to the next).
    """
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


@cache
def _quantiles(n: int) -> np.ndarray:
    import numpy as np

    normal = NormalDist()
    grid = np.array([normal.inv_cdf((i + 0.5) / n) for i in range(n)])
    grid.setflags(write=False)
    return grid


def standard_normals(seed_value: int, n: int, inputs: int) -> np.ndarray:
    """``inputs`` rows of ``n`` standard-normal draws each (a Latin hypercube; see above)."""
    if n < 2 or inputs < 1:
        raise ValueError(f"need at least 2 draws of at least 1 input, not {n} of {inputs}")
    import numpy as np

    raw = np.random.PCG64(seed_value).random_raw(n * inputs).reshape(inputs, n)
    return _quantiles(n)[np.argsort(raw, axis=1, kind="stable")]


def interval(values: np.ndarray) -> tuple[float, float]:
    """The 5th and 95th percentiles of ``values``: a Monte Carlo's 90% interval."""
    import numpy as np

    low, high = np.percentile(values, [5.0, 95.0])
    return float(low), float(high)
