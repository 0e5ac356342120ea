"""How costboard writes a number: one rule for the CLI, the API, the grids, hovers, axis ticks
and the ladder's labels.

A value, its unit and its bound become text such as "$5.576M", "> $294K", "2,048",
"2.79M gpu_hours", "$2/gpu_hour" or "3.29e24 flop":

- **Significant figures.** A *stated* figure (a claim's value, low or high, a price as
  published) keeps the digits it was given: as many significant figures as it needs, up to
  :data:`STATED_DIGITS` (six; beyond that the digits are a spreadsheet's, not a person's:
  Epoch AI's "$78352034.72" reads "$78.352M"). So $5.576M stays $5.576M and $294K stays
  $294K. A *computed* figure (an estimate, a market move, a ratio) gets
  :data:`COMPUTED_DIGITS` (three): the estimators' 90% ranges span a factor of two or more,
  so a fourth figure would claim a precision they do not have, and three still tell apart the
  1-2-5 steps of a log axis and neighbouring estimates.
- **Scale.** From 10,000 on, K, M, B and T ("$294K", "$1.6B"); below, the digits in full with
  a thousands comma ("2,048", "$9,500"), so a count of GPUs reads as a count. No scientific
  notation for money or counts: a dollar figure past a thousand trillion stays in T.
  Only FLOP and FLOP/s past 10^15 are written as powers of ten ("3.29e24 flop").
- **No stray decimals.** Trailing zeros and a bare decimal point are dropped ("$2", not
  "$2.00"; "1.6B", not "1.600B").
- **Unit.** A value in a scaled unit is written in its base unit (5.576 usd_million reads
  "$5.576M"; builtin_vocabulary.UNIT_ROWS gives the factors). Dollars take "$" before the
  figure ("-$589B" for a loss), a rate in dollars its "per" after it ("$2/gpu_hour"); money
  in another currency its code ("KRW 1.2B"); ratios and counts nothing; any other unit its
  base unit's name after a space ("2.788M gpu_hours"). A date unit reads as its ISO date.
- **Bound.** The bound's sign before it (:data:`BOUND_SIGNS`): "> " more than, "< " up to,
  "~ " about, nothing for an exact figure.

:func:`number_expr` is the rule, as a polars expression over columns; :func:`number_text`
and :func:`number_texts` apply that same expression to Python values, so there is one
definition. The grids' JavaScript (dashboard/assets/dashAgGridFunctions.js,
``costboardNumber``) follows the same steps; tests/browser/test_browser_numbers.py runs the
case table of tests/warehouse/test_numbers.py through both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import polars as pl

from costboard.warehouse.vocabulary import DATE_BASE, UNITS

#: Significant figures a stated figure may keep (it keeps fewer when it needs fewer).
STATED_DIGITS: Final = 6
#: Significant figures of a computed figure (an estimate, a move, a ratio).
COMPUTED_DIGITS: Final = 3
#: The sign put before a figure of each bound (an exact figure has none).
BOUND_SIGNS: Final = {"lower": "> ", "upper": "< ", "approximate": "~ ", "exact": ""}
#: What a missing figure reads as where text is needed (tables, hovers).
MISSING: Final = "–"
#: Units written with no name after the figure.
BARE_BASES: Final = ("ratio", "count")
#: Units written as powers of ten from :data:`SCIENTIFIC_FROM` on (never money or counts).
SCIENTIFIC_BASES: Final = ("flop", "flop_per_second")
SCIENTIFIC_FROM: Final = 1e15
#: From this size on, a figure is scaled with a suffix; below it, written in full.
SCALED_FROM: Final = 1e4
_STEPS: Final = ((12, "T"), (9, "B"), (6, "M"), (3, "K"))

_FACTORS: Final = {u.name: u.factor for u in UNITS.values()}
_BASES: Final = {u.name: u.base for u in UNITS.values()}
_CURRENCIES: Final = {u.name: u.currency for u in UNITS.values() if u.currency}
#: The fields :func:`number_expr` gathers into one struct for :func:`_written_frame`.
_FIELDS: Final = ("value", "unit", "bound", "stated")


def _power(exponent: pl.Expr) -> pl.Expr:
    return pl.lit(10.0).pow(exponent.cast(pl.Float64))


def _times_power(amount: str, exponent: str) -> pl.Expr:
    """amount × 10^exponent (two columns), dividing by an exact power for a negative exponent:
    10^3 is exact in binary, 10^-3 is not."""
    a, e = pl.col(amount), pl.col(exponent)
    return pl.when(e >= 0).then(a * _power(e)).otherwise(a / _power(-e))


def _magnitude(frame: pl.DataFrame, size: str, into: str) -> pl.DataFrame:
    """``into`` = floor(log10(size)) for size > 0, corrected where log10 of a power of ten
    lands a hair off."""
    s, m = pl.col(size), pl.col(into)
    frame = frame.with_columns(s.log10().floor().alias(into))
    frame = frame.with_columns(pl.when(_power(m) > s).then(m - 1).otherwise(m).alias(into))
    return frame.with_columns(pl.when(_power(m + 1) <= s).then(m + 1).otherwise(m).alias(into))


def _rounded(frame: pl.DataFrame, digits: int) -> pl.DataFrame:
    """Column ``r{digits}``: ``size`` to ``digits`` significant figures, half away from zero."""
    frame = frame.with_columns((digits - 1 - pl.col("magnitude")).alias("shift"))
    frame = frame.with_columns(
        _times_power("size", "shift").round(0, mode="half_away_from_zero").alias("scaled"),
        (-pl.col("shift")).alias("unshift"),
    )
    return frame.with_columns(_times_power("scaled", "unshift").alias(f"r{digits}"))


def _unit_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The unit's factor to its base unit, its base, and what goes before and after a figure."""
    unit = pl.col("unit")
    frame = frame.with_columns(
        factor=unit.replace_strict(_FACTORS, default=1.0, return_dtype=pl.Float64).fill_null(1.0),
        base=unit.replace_strict(_BASES, default=unit, return_dtype=pl.String),
        currency=unit.replace_strict(_CURRENCIES, default=None, return_dtype=pl.String),
    )
    base, currency = pl.col("base"), pl.col("currency")
    money = currency.is_null() & ((base == "usd") | base.str.starts_with("usd_per_"))
    return frame.with_columns(
        before=pl.when(currency.is_not_null())
        .then(currency.str.to_uppercase() + " ")
        .when(money)
        .then(pl.lit("$"))
        .otherwise(pl.lit("")),
        after=pl.when(base.is_null() | currency.is_not_null() | (base == "usd"))
        .then(pl.lit(""))
        .when(money)
        .then("/" + base.str.strip_prefix("usd_per_"))
        .when(base.is_in(BARE_BASES))
        .then(pl.lit(""))
        .otherwise(" " + base),
    )


def _grouped(integer: pl.Expr) -> pl.Expr:
    """An integer's digits with a comma every three from the right: "1234567" -> "1,234,567"."""
    for _ in range(6):  # one comma a pass; six reach 10^21
        integer = integer.str.replace(r"(\d)(\d{3})(,|$)", "${1},${2}${3}")
    return integer


def _written_frame(frame: pl.DataFrame) -> pl.Series:
    """The rule, step by step, over a frame of :data:`_FIELDS` (see the module's doc). The
    JavaScript twin takes the same steps in the same order."""
    frame = _unit_columns(frame.with_columns(pl.col("value").cast(pl.Float64)))
    frame = frame.with_columns(amount=pl.col("value") * pl.col("factor"))
    shown = pl.col("amount").is_finite().fill_null(False)
    positive = shown & (pl.col("amount") != 0)
    # Sizes that are not positive numbers take 1 in the arithmetic; their text is set apart.
    frame = frame.with_columns(size=pl.when(positive).then(pl.col("amount").abs()).otherwise(1.0))
    frame = _magnitude(frame, "size", "magnitude")
    for digits in range(1, STATED_DIGITS + 1):
        frame = _rounded(frame, digits)
    # A stated figure: the fewest figures that write it as it reads at six (float noise such
    # as 2.788 × 10^6 = 2787999.9999 is gone). A computed one: three.
    needed: pl.Expr = pl.lit(STATED_DIGITS)
    for digits in range(STATED_DIGITS - 1, 0, -1):
        same = pl.col(f"r{digits}") == pl.col(f"r{STATED_DIGITS}")
        needed = pl.when(same).then(pl.lit(digits)).otherwise(needed)
    stated = pl.col("stated").fill_null(False)
    frame = frame.with_columns(digits=pl.when(stated).then(needed).otherwise(COMPUTED_DIGITS))
    rounded = pl.col("r1")
    for digits in range(2, STATED_DIGITS + 1):
        rounded = pl.when(pl.col("digits") == digits).then(pl.col(f"r{digits}")).otherwise(rounded)
    frame = frame.with_columns(rounded=rounded)
    # Scale chosen on the rounded size: 999,950 at three figures is "1M", not "1,000K".
    frame = _magnitude(frame, "rounded", "rounded_magnitude")
    r, mag = pl.col("rounded"), pl.col("rounded_magnitude")
    scientific = pl.col("base").is_in(SCIENTIFIC_BASES).fill_null(False) & (r >= SCIENTIFIC_FROM)
    step: pl.Expr = pl.lit(0.0)
    letter: pl.Expr = pl.lit("")
    for power, suffix in reversed(_STEPS):  # the largest step reached wins
        reached = (r >= SCALED_FROM) & (r >= 10.0**power)
        step = pl.when(reached).then(pl.lit(float(power))).otherwise(step)
        letter = pl.when(reached).then(pl.lit(suffix)).otherwise(letter)
    frame = frame.with_columns(
        step=pl.when(scientific).then(mag).otherwise(step),
        letter=pl.when(scientific).then("e" + mag.cast(pl.Int64).cast(pl.String)).otherwise(letter),
    )
    decimals = pl.max_horizontal(pl.lit(0.0), pl.col("digits") - 1 - (mag - pl.col("step")))
    frame = frame.with_columns(decimals=decimals)
    frame = frame.with_columns(lift=pl.col("decimals") - pl.col("step"))
    whole = _times_power("rounded", "lift").round(0, mode="half_away_from_zero")
    places = pl.col("decimals").cast(pl.Int64)
    frame = frame.with_columns(
        text=whole.cast(pl.Int64, strict=False).cast(pl.String).str.zfill(places + 1)
    )
    cut = pl.col("text").str.len_chars().cast(pl.Int64) - places
    fraction = pl.col("text").str.slice(cut).str.strip_chars_end("0")
    frame = frame.with_columns(
        number=pl.concat_str(
            _grouped(pl.col("text").str.head(cut)),
            pl.when(fraction.str.len_chars() > 0).then("." + fraction).otherwise(pl.lit("")),
        )
    )
    number = pl.when(positive).then(pl.col("number")).otherwise(pl.lit("0"))
    sign = pl.when(pl.col("amount") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    text = pl.concat_str(sign, pl.col("before"), number, pl.col("letter"), pl.col("after"))
    days = pl.col("amount").round(0).cast(pl.Int32, strict=False).cast(pl.Date)
    text = pl.when(pl.col("base") == DATE_BASE).then(days.dt.strftime("%Y-%m-%d")).otherwise(text)
    mark = pl.col("bound").fill_null("exact").replace_strict(BOUND_SIGNS, default="")
    return frame.select(pl.when(shown).then(pl.concat_str(mark, text)).alias("number"))[:, 0]


def number_expr(
    value: pl.Expr,
    unit: pl.Expr | str | None = None,
    bound: pl.Expr | str | None = None,
    *,
    stated: pl.Expr | bool = False,
) -> pl.Expr:
    """The rule (see the module's doc) over columns: ``value`` in ``unit`` with ``bound``.

    ``stated``: True for a figure as its source gave it (its digits kept), False for a
    computed one (:data:`COMPUTED_DIGITS`). A missing, NaN or infinite value gives null.
    Evaluated a batch at a time (:func:`_written_frame`), vectorised.
    """
    parts = (
        value.cast(pl.Float64),
        unit if isinstance(unit, pl.Expr) else pl.lit(unit, pl.String),
        bound if isinstance(bound, pl.Expr) else pl.lit(bound, pl.String),
        stated if isinstance(stated, pl.Expr) else pl.lit(stated),
    )
    fields = [p.cast(t).alias(n) for p, n, t in zip(parts, _FIELDS, _TYPES, strict=True)]
    written = pl.struct(fields).map_batches(
        lambda batch: _written_frame(batch.struct.unnest()), return_dtype=pl.String
    )
    # Named as the value is (a column's text replaces it), not after the struct's field.
    name = value.meta.output_name(raise_if_undetermined=False)
    return written.alias(name) if name else written


_TYPES: Final = (pl.Float64, pl.String, pl.String, pl.Boolean)


def number_texts(
    values: Iterable[float | None],
    unit: str | None = None,
    bound: str | None = None,
    *,
    stated: bool = False,
) -> list[str]:
    """The rule over Python values in one unit: one text each, :data:`MISSING` for a missing
    one (the same steps as :func:`number_expr`)."""
    frame = pl.DataFrame(
        {"value": list(values)}, schema={"value": pl.Float64}, strict=False
    ).with_columns(
        unit=pl.lit(unit, pl.String), bound=pl.lit(bound, pl.String), stated=pl.lit(stated)
    )
    shown = _written_frame(frame).to_list() if frame.height else []
    return [MISSING if text is None else text for text in shown]


def number_text(
    value: float | None, unit: str | None = None, bound: str | None = None, *, stated: bool = False
) -> str:
    """The rule for one Python value: 5576000, "usd", stated -> "$5.576M"."""
    return number_texts([value], unit, bound, stated=stated)[0]
