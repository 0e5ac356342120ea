"""How a parameter resolves for each row: the ladder of ``plugins/parameters.py``'s docstring
(override, own claim, catalog, chip claim, method claim, default), as a few joins over the
whole frame, never a loop over rows.

:class:`Catalog` is the ladder's third level: a figure a method's rules pick from the
hardware catalog (Epoch AI's purchase price per GPU family, its cloud price), so an estimator
never patches a resolved parameter by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import polars as pl

from costboard.plugins.evidence import METHOD_SUBJECT, chosen_claim

if TYPE_CHECKING:
    from costboard.plugins.evidence import Evidence
    from costboard.plugins.parameters import Parameter

#: What every level of the ladder gives for a row: a figure and the claim that carries it.
_FIGURE: Final = ("value", "low", "high", "claim_id", "qualifier", "stated_on")
#: The columns a catalog's ``choose`` returns, one row per ``_row`` it has a figure for.
CATALOG_COLUMNS: Final = ("_row", *_FIGURE, "origin")


@dataclass(frozen=True, eq=False)
class Catalog:
    """A level of the ladder between a row's own claims and its chip's: a figure that a
    method's rules pick from the hardware catalog (Epoch AI's purchase price, its cloud price).

    Attributes:
        name: what the figure is, for docs.
        needs: the row columns ``choose`` reads; rows without all of them skip this level
            (so an estimator that does not follow the method, e.g. fleet_ownership, is not
            priced by it).
        choose: (rows with a unique ``_row``, the evidence, the parameter) -> a frame of
            :data:`CATALOG_COLUMNS`; ``origin`` is what the estimate's parameter says
            ("claim: <id> (...)", or "default: ..." for a figure no claim carries).
    """

    name: str
    needs: tuple[str, ...]
    choose: Callable[[pl.DataFrame, Evidence, Parameter], pl.DataFrame]

    def applies(self, rows: pl.DataFrame) -> bool:
        """Whether ``rows`` carry every column this catalog needs."""
        return all(column in rows.columns for column in self.needs)

    def pick(self, rows: pl.DataFrame, evidence: Evidence, parameter: Parameter) -> pl.DataFrame:
        """The catalog's figures for ``rows`` (empty, with the right columns, when it does
        not apply)."""
        if not self.applies(rows):
            return pl.DataFrame(schema=_CATALOG_SCHEMA)
        found = self.choose(rows, evidence, parameter).select(CATALOG_COLUMNS)
        return found.cast({c: t for c, t in _CATALOG_SCHEMA.items() if c != "_row"})


def catalog_figures(rows: pl.DataFrame, evidence: Evidence, parameter: Parameter) -> pl.DataFrame:
    """``parameter``'s catalog figures for ``rows`` (with ``_row``): :data:`CATALOG_COLUMNS`,
    empty when the parameter has no catalog or the rows lack what it needs."""
    if parameter.catalog is None:
        return pl.DataFrame(schema=_CATALOG_SCHEMA)
    return parameter.catalog.pick(rows, evidence, parameter)


_CATALOG_SCHEMA: Final = {
    "_row": pl.UInt32,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "claim_id": pl.String,
    "qualifier": pl.String,
    "stated_on": pl.Date,
    "origin": pl.String,
}


_CANDIDATE_COLUMNS: Final = ("_row", *_FIGURE, "scope", "subject")


#: The ladder's level of method claims (own claims 1, the catalog 2, chip claims 3).
_METHOD_LEVEL: Final = 4


def _as_candidate(frame: pl.DataFrame) -> pl.DataFrame:
    """A level's candidates in the shape every level shares (claims have no ``_origin``)."""
    if "_origin" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("_origin"))
    return frame.select(*_CANDIDATE_COLUMNS, "_level", "_prefer", "_origin")


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


def _row_columns(parameter: Parameter, rows: pl.DataFrame, claims: pl.DataFrame) -> list[str]:
    """The row columns ``accept`` or ``prefer`` name that claims do not carry (``chip_class``)."""
    named: set[str] = set()
    for expression in (parameter.accept, parameter.prefer):
        if expression is not None:
            named.update(expression.meta.root_names())
    return [c for c in rows.columns if c in named and c not in claims.columns]


def resolve(
    rows: pl.DataFrame, evidence: Evidence, parameter: Parameter, override: float | None = None
) -> pl.DataFrame:
    """Add ``parameter``'s columns to ``rows`` (which must carry a unique ``_row`` index)."""
    name = parameter.name
    candidates: list[pl.DataFrame] = []
    if parameter.metric is not None and override is None:
        claims = evidence.frame.filter(pl.col("metric") == parameter.metric)
        extra = _row_columns(parameter, rows, claims)
        if parameter.own_scopes:
            own = claims.filter(pl.col("scope").is_in(parameter.own_scopes))
            candidates.append(
                rows.select("_row", "subject", "as_of", *extra)
                .join(own, on=["subject", "as_of"])
                .with_columns(pl.lit(1).alias("_level"))
            )
        if parameter.chip_scopes:
            chip = claims.filter(pl.col("scope").is_in(parameter.chip_scopes))
            candidates.append(
                rows.select("_row", "chip", "as_of", *extra)
                .drop_nulls("chip")
                .join(chip, left_on=["chip", "as_of"], right_on=["subject", "as_of"])
                .with_columns(pl.col("chip").alias("subject"), pl.lit(3).alias("_level"))
            )
        # A row-level filter and preference apply to own and chip claims alike.
        if candidates and parameter.accept is not None:
            candidates = [c.filter(parameter.accept.fill_null(False)) for c in candidates]
        if candidates:
            prefer = parameter.prefer if parameter.prefer is not None else pl.lit(0)
            candidates = [c.with_columns(prefer.fill_null(0).alias("_prefer")) for c in candidates]
        if parameter.catalog is not None:
            candidates.append(
                catalog_figures(rows, evidence, parameter).with_columns(
                    pl.lit(None, dtype=pl.String).alias("scope"),
                    pl.lit(None, dtype=pl.String).alias("subject"),
                    pl.col("origin").alias("_origin"),
                    pl.lit(2).alias("_level"),
                    pl.lit(0).alias("_prefer"),
                )
            )
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
                    pl.lit(_METHOD_LEVEL).alias("_level"),
                    specificity.cast(pl.Int32).alias("_prefer"),
                )
            )
    chosen: pl.DataFrame | None = None
    usable = [c for c in candidates if c.height]
    if usable:
        chosen = (
            pl.concat(
                [_as_candidate(c) for c in usable],
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
                *chosen_claim(name),
                pl.col("_level").alias("_chosen_level"),
                pl.col("_origin"),
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
                "_origin": pl.String,
            }
        )
    # Resolving a parameter twice replaces its columns instead of clashing with them.
    stale = [c for c in (*chosen.columns, f"{name}_origin") if c != "_row" and c in rows.columns]
    joined = rows.drop(stale).join(
        chosen.with_columns(pl.col("_row").cast(rows.schema["_row"])), on="_row", how="left"
    )
    if override is not None:
        value = float(override)
        return joined.drop("_chosen_level", "_origin").with_columns(
            pl.lit(value).alias(name),
            pl.lit(value).alias(f"{name}_low"),
            pl.lit(value).alias(f"{name}_high"),
            pl.lit(None, dtype=pl.String).alias(f"{name}_claim_id"),
            pl.lit("override").alias(f"{name}_origin"),
        )
    default, default_low, default_high = _default_expr(parameter, joined)
    # Chosen from a claim or the catalog (whose figure may carry no claim: a TPU equivalent).
    from_claim = pl.col("_chosen_level").is_not_null()
    specific = _specific_default(parameter, joined)
    if specific is not None:
        # A default for this row's chip family (say) is more specific than a method claim
        # that names no chip: Epoch's V100 power multiplier beats its general 1.8.
        general = (pl.col("_chosen_level") == _METHOD_LEVEL) & pl.col(f"{name}_qualifier").is_null()
        from_claim = from_claim & ~(general & specific.is_not_null()).fill_null(False)
    return joined.with_columns(
        pl.when(from_claim).then(pl.col(name)).otherwise(default).alias(name),
        pl.when(from_claim).then(pl.col(f"{name}_low")).otherwise(default_low).alias(f"{name}_low"),
        pl.when(from_claim)
        .then(pl.col(f"{name}_high"))
        .otherwise(default_high)
        .alias(f"{name}_high"),
        pl.when(from_claim)
        .then(pl.coalesce("_origin", pl.lit("claim: ") + pl.col(f"{name}_claim_id")))
        .otherwise(pl.lit(f"default: {parameter.citation}"))
        .alias(f"{name}_origin"),
        *(
            pl.when(from_claim).then(pl.col(f"{name}_{part}")).alias(f"{name}_{part}")
            for part in ("claim_id", "qualifier", "stated_on")
        ),
    ).drop("_chosen_level", "_origin")
