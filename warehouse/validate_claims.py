"""Validate a claims table: its figures, its source, and how the claim reached us.

Checks are polars expressions over the whole frame (validate.py has the machinery); only
failing rows become messages naming file, line and column. What needs the warehouse (a
``cites`` id defined in an earlier ingest, a claim id another claimant already holds) is
checked at write time, in claim_refs.py.

How a claim reached us (issue 9; README "Claims"):

- ``bound``: ``exact`` (default), ``approximate``, ``lower`` ("more than $294K": the value is
  a floor), ``upper`` ("up to $944M"). A bound is one figure, given as ``value``.
- ``source_kind``: ``primary`` (the party itself), ``analysis`` (an analyst's own estimate),
  ``secondary`` (reporting someone else's figure). Empty: unclassified.
- ``cites``: the claim ids (``;``-separated) a secondary claim restates. A claim that cites
  another is a secondary claim; an empty ``source_kind`` becomes ``secondary``.
- ``status``: ``current`` (default), ``disputed``, ``misattributed``, ``retracted``; any but
  current needs a ``status_note`` saying why (for misattributed: which claim it really is).
- ``outlet``: the publication. ``source_url`` may be empty when ``outlet`` and
  ``source_title`` are given (print, a talk); a URL, when given, is http(s).
- ``stated_on``: ``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` when only that is known: the claim
  counts as public from the period's last day and keeps its precision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Final

import polars as pl

from costboard.warehouse import currency, date_range
from costboard.warehouse.errors import InputError
from costboard.warehouse.readers import RawTable
from costboard.warehouse.tables import CLAIMS
from costboard.warehouse.validate import (
    Check,
    as_stored,
    column_errors,
    conflicting_duplicates,
    dates_as_days,
    in_vocabulary,
    not_a_date_value,
    not_a_number,
    not_finite,
    number,
    raise_if,
    required_values,
    run_checks,
    split_list,
    text_checks,
    typed,
    url_check,
    with_missing,
)
from costboard.warehouse.vocabulary import BUILT_IN, Vocabulary

BOUNDS: Final = ("exact", "approximate", "lower", "upper")
SOURCE_KINDS: Final = ("primary", "analysis", "secondary")
STATUSES: Final = ("current", "disputed", "misattributed", "retracted")
#: Statuses whose claims never enter the evidence: the one list (plugins/provenance.py, the
#: dashboard's crossed-out markers; the SQL macro never_evidence, held equal by a test).
NOT_EVIDENCE_STATUSES: Final = ("misattributed", "retracted")

#: A claims file has the stored claim columns except what ingest derives: the figures as
#: written (kept from value, low, high and unit) and the precision of ``stated_on``.
CLAIM_COLUMNS: Final = tuple(
    c for c in CLAIMS.columns if not c.endswith("_as_written") and c != "stated_on_precision"
)
CLAIM_REQUIRED: Final = ("subject", "metric", "scope", "unit", "claimant", "stated_on")

_FIGURES: Final = ("value", "low", "high")
_DATE_FORMS: Final = "YYYY-MM-DD, YYYY-MM or YYYY"


def derived_claim_id(*fields: str | None) -> str:
    """The default stable key of a claim that has no ``claim_id``.

    Fields: subject, metric, scope, qualifier, claimant, stated_on (as written).
    """
    text = "\x1f".join(f or "" for f in fields)
    return "c-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _with_stated_on(frame: pl.DataFrame) -> pl.DataFrame:
    """``__precision`` (day, month, year) and ``__period_start`` / ``__date_stated_on`` (the
    period's first and last day) of ``stated_on``; null dates where the text is not one."""
    text = pl.col("stated_on")
    precision = (
        pl.when(text.str.contains(r"^\d{4}$"))
        .then(pl.lit("year"))
        .when(text.str.contains(r"^\d{4}-\d{2}$"))
        .then(pl.lit("month"))
        .otherwise(pl.lit("day"))
    )
    start = (
        pl.when(precision == "year")
        .then(text + "-01-01")
        .when(precision == "month")
        .then(text + "-01")
        .otherwise(text)
        .str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    )
    end = (
        pl.when(precision == "year")
        .then(start.dt.offset_by("1y").dt.offset_by("-1d"))
        .when(precision == "month")
        .then(start.dt.month_end())
        .otherwise(start)
    )
    return frame.with_columns(
        precision.alias("__precision"),
        start.alias("__period_start"),
        end.alias("__date_stated_on"),
    )


def _stated_on_checks(today: dt.date) -> list[Check]:
    stated = pl.col("__date_stated_on")
    return [
        Check(
            pl.col("stated_on").is_not_null() & stated.is_null(),
            "stated_on",
            pl.format("'{}' is not a real date in the form " + _DATE_FORMS, pl.col("stated_on")),
        ),
        Check(
            date_range.too_early(pl.col("__period_start")),
            "stated_on",
            date_range.early_message(pl.col("stated_on")),
        ),
        Check(
            date_range.too_late(pl.col("__period_start"), today),
            "stated_on",
            date_range.late_message(pl.col("stated_on")),
        ),
        Check(
            (pl.col("__period_start") <= pl.lit(today)) & (stated > pl.lit(today)),
            "stated_on",
            pl.format(
                "{} ends after today ({}): a claim counts as public from its period's last "
                "day; give the month or the day",
                pl.col("stated_on"),
                pl.lit(today.isoformat()),
            ),
        ),
    ]


def _date_value_checks(in_date_unit: pl.Expr, today: dt.date) -> list[Check]:
    """A figure in a date unit (days since 1970-01-01 once parsed) obeys the dates' range."""
    checks = []
    for c in _FIGURES:
        day = number(c).cast(pl.Int32, strict=False).cast(pl.Date)
        among = in_date_unit.fill_null(False)
        checks += [
            Check(among & date_range.too_early(day), c, date_range.early_message(pl.col(c))),
            Check(among & date_range.too_late(day, today), c, date_range.late_message(pl.col(c))),
        ]
    return checks


def _figure_checks(vocabulary: Vocabulary, in_date_unit: pl.Expr) -> list[Check]:
    """The value, low and high of each claim: numbers (or dates), finite, ordered, signed."""
    metric_base = {name: metric.base_unit for name, metric in vocabulary.metric_table.items()}
    units = vocabulary.unit_table
    cost_metrics = [name for name, metric in vocabulary.metric_table.items() if metric.is_cost]
    fits = pl.col("unit").replace_strict(
        {name: unit.base for name, unit in units.items()}, default=None
    ) == pl.col("metric").replace_strict(metric_base, default=None)
    return [
        *(not_a_number(c, among=~in_date_unit.fill_null(False)) for c in _FIGURES),
        *(not_a_date_value(c, in_date_unit) for c in _FIGURES),
        *(not_finite(c) for c in _FIGURES),
        Check(
            pl.all_horizontal(pl.col(c).is_null() for c in _FIGURES),
            "value",
            "a claim needs a value, a low or a high",
        ),
        *(
            Check(number(a) > number(b), field, pl.format(f"{a} {{}} is above {b} {{}}", a, b))
            for a, b, field in (("low", "value", "low"), ("value", "high", "high"))
        ),
        Check(
            number("low") > number("high"),
            "high",
            pl.format("low {} is above high {}", pl.col("low"), pl.col("high")),
        ),
        in_vocabulary("metric", list(vocabulary.metric_table), "metric"),
        in_vocabulary("scope", list(vocabulary.scopes), "scope"),
        in_vocabulary("unit", list(units), "unit"),
        Check(
            pl.col("metric").is_in(list(metric_base)) & pl.col("unit").is_in(list(units)) & ~fits,
            "unit",
            pl.format(
                "unit '{}' does not fit metric '{}' (its base unit is {})",
                pl.col("unit"),
                pl.col("metric"),
                pl.col("metric").replace_strict(metric_base, default=None),
            ),
        ),
        Check(
            pl.col("metric").is_in(cost_metrics)
            & pl.any_horizontal(number(c) < 0 for c in _FIGURES),
            "value",
            pl.format("a {} cannot be negative", pl.col("metric")),
        ),
    ]


def _provenance_checks() -> list[Check]:
    """How the claim reached us: bound, source kind, cites, status, and its source."""
    cites = split_list("cites")
    return [
        in_vocabulary("bound", BOUNDS, "bound"),
        Check(
            pl.col("bound").is_in(["lower", "upper"])
            & (pl.col("low").is_not_null() | pl.col("high").is_not_null()),
            "bound",
            pl.format(
                "a {} bound is one figure: give it as value, without low or high", pl.col("bound")
            ),
        ),
        in_vocabulary("source_kind", SOURCE_KINDS, "source kind"),
        Check(
            cites.list.len().fill_null(0).gt(0)
            & pl.col("source_kind").is_in(["primary", "analysis"]),
            "cites",
            pl.format(
                "only a secondary claim cites the claim it restates; this one is {}",
                pl.col("source_kind"),
            ),
        ),
        Check(
            cites.list.contains(pl.col("claim_id")).fill_null(False),
            "cites",
            pl.format("claim '{}' cites itself", pl.col("claim_id")),
        ),
        in_vocabulary("status", STATUSES, "status"),
        Check(
            pl.col("status").is_in(STATUSES[1:]) & pl.col("status_note").is_null(),
            "status_note",
            pl.format(
                "a {} claim needs a status_note saying why{}",
                pl.col("status"),
                pl.when(pl.col("status") == "misattributed")
                .then(pl.lit(" and which claim it really is"))
                .otherwise(pl.lit("")),
            ),
        ),
        Check(
            pl.col("source_url").is_null()
            & (pl.col("outlet").is_null() | pl.col("source_title").is_null()),
            "source_url",
            "a claim needs a source_url, or an outlet and a source_title when its source has no URL",
        ),
        url_check("source_url"),
    ]


def claims(table: RawTable, *, today: dt.date, vocabulary: Vocabulary = BUILT_IN) -> pl.DataFrame:
    """Validate a claims table; returns the normalised claims (base units, written values kept).

    Metrics, units and scopes are checked against ``vocabulary`` (the plugin manager's merged
    one when the CLI ingests; the built-in one by default). The result has the stored columns
    and ``document_title``, the title of a source with a URL (stored in ``sources``).
    """
    units, metrics = vocabulary.unit_table, vocabulary.metric_table
    errors = column_errors(table, CLAIM_COLUMNS, CLAIM_REQUIRED)
    if not any(c in table.header for c in _FIGURES):
        errors.append(
            InputError(table.path, 1, 1, "a claims file needs a 'value', 'low' or 'high' column")
        )
    raise_if(errors)
    in_date_unit = pl.col("unit").is_in(vocabulary.date_units)
    raw = _with_stated_on(
        dates_as_days(
            typed(with_missing(table.frame, CLAIM_COLUMNS), _FIGURES, ()),
            _FIGURES,
            in_date_unit,
        )
    )
    checks = [
        *required_values(CLAIM_REQUIRED),
        *_stated_on_checks(today),
        *_figure_checks(vocabulary, in_date_unit),
        *_date_value_checks(in_date_unit, today),
        *_provenance_checks(),
        *currency.checks(vocabulary),
        *text_checks(CLAIM_COLUMNS),
    ]
    run_checks(table, raw, checks)

    factor = pl.col("unit").replace_strict({n: u.factor for n, u in units.items()}, default=None)
    metric_base = {name: metric.base_unit for name, metric in metrics.items()}
    key_fields = ("subject", "metric", "scope", "qualifier", "claimant", "stated_on")
    with_ids = raw.with_columns(
        pl.coalesce(
            "claim_id",
            pl.struct(key_fields).map_elements(
                lambda r: derived_claim_id(*(r[f] for f in key_fields)), return_dtype=pl.String
            ),
        ).alias("claim_id")
    )
    cites = split_list("cites")
    normalised = as_stored(
        CLAIMS,
        with_ids,
        {
            **{c: number(c) * factor for c in _FIGURES},
            "unit": pl.col("metric").replace_strict(metric_base, default=None),
            **{f"{c}_as_written": number(c) for c in _FIGURES},
            "unit_as_written": pl.col("unit"),
            "stated_on": pl.col("__date_stated_on"),
            "stated_on_precision": pl.col("__precision"),
            "cites": pl.when(cites.list.len() > 0).then(cites),
            "source_kind": pl.when(pl.col("source_kind").is_null() & (cites.list.len() > 0))
            .then(pl.lit("secondary"))
            .otherwise(pl.col("source_kind")),
            # A source with a URL keeps its title in ``sources``; one without keeps it here.
            "source_title": pl.when(pl.col("source_url").is_null()).then(pl.col("source_title")),
        },
        pl.col("source_title").alias("document_title"),
        # Money in another currency: scaled to that currency here, to USD at write time.
        currency.written_in(vocabulary),
    )
    raise_if(conflicting_duplicates(table, normalised, CLAIMS.key))
    return normalised
