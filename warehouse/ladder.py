"""The cost ladder: every dollar figure about a subject and its related subjects, on one scale.

DeepSeek's reads from R1's $294K and V3's $5.576M through $500M+ of hardware, $1.6B of capex
and $944M of opex to the ~$800B Nvidia + Broadcom market move: figures that measure different
things (scopes), side by side, with each estimator's range for the same subject and scope.

**Related subjects** of S, in this order (:func:`related_subjects`):

1. S itself;
2. its developer: the company subject whose name is S's ``developer`` (case aside; a
   developer field may list several, comma-separated), or S itself when S is a company;
3. that company's models: every subject whose ``developer`` names it;
4. the subjects listed in ``subjects.related`` of S or of its developer (a snapshot from
   before that column has none);
5. the chips and tickers that the claims of the subjects above name as ``qualifier``;
6. the members of every group among them.

**A dollar figure** is a claim or estimate whose base unit is ``usd`` (costboard.warehouse.
vocabulary): training costs, capex, opex, hardware spend, market caps and their moves.
Rates and unit prices (``usd_per_gpu_hour``, ``usd_per_gpu``, ``usd_per_year``,
``usd_per_day``) are other base units, so they are not on the ladder: a price per GPU-hour is
not an amount anyone spent.

**A market move** is negative (a loss): the ladder places it by its magnitude, marks it
``loss`` and flips its bound (a market-cap change "at most -$595B" is a loss of more than
$595B). The frame keeps the signed numbers beside the magnitudes.

**Estimates**: the latest stored estimate (latest ``as_of``) of each subject, estimator,
metric and scope in dollars, from the ``estimates`` view of the snapshot read.

The CLI (``costboard ladder``) and the dashboard's ladder page both read :func:`ladder`.
"""

from __future__ import annotations

from typing import Final

import duckdb
import polars as pl

from costboard.warehouse.claim_text import stated_on_expr
from costboard.warehouse.errors import did_you_mean
from costboard.warehouse.lake import LAKE
from costboard.warehouse.numbers import number_expr
from costboard.warehouse.point_value import claim_point

#: The columns :func:`ladder` returns, in order.
COLUMNS: Final = (
    "kind",  # claim | estimate
    "subject",
    "scope",
    "metric",
    "qualifier",
    "value",  # signed, in usd: a claim's point (its value, else its range's middle), an estimate's central value
    "low",
    "high",
    "magnitude",  # abs(value): where the ladder places it
    "magnitude_low",
    "magnitude_high",
    "loss",  # the figure is negative (a market move)
    "bound",  # the claim's bound as stated: exact | approximate | lower | upper (null for estimates)
    "magnitude_bound",  # the bound on the magnitude (lower and upper swap for a loss)
    "figure",  # for people: "> $500M", "~ $800B loss", "$5.576M ($4.1M – $7.3M)"
    "status",  # current | disputed | misattributed | retracted (null for estimates)
    "status_note",
    "claimant",
    "outlet",
    "quote",
    "checks",  # the claim's checks (the claim_checks view) as "check: detail"
    "estimator",
    "estimator_version",
    "dated",  # a claim's stated_on, an estimate's as_of
    "date_text",  # dated as precisely as the source gave it: 2025-09 for a month
    "claim_id",
    "source_url",
    "source_title",
)

#: Subject kinds a claim's qualifier can name and bring onto the ladder.
NAMED_KINDS: Final = ("chip", "ticker")
#: Claim columns added after the first release, and what an older snapshot reads for them.
_CLAIM_DEFAULTS: Final = {
    "bound": pl.lit("exact"),
    "status": pl.lit("current"),
    "status_note": pl.lit(None, dtype=pl.String),
    "outlet": pl.lit(None, dtype=pl.String),
    "stated_on_precision": pl.lit("day"),
}


class UnknownSubject(ValueError):
    """The subject asked for is not in the warehouse (the message suggests close names)."""


def _columns(connection: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    cursor = connection.execute(f"SELECT * FROM {relation} LIMIT 0")
    return [column[0] for column in cursor.description or ()]


def _subjects(connection: duckdb.DuckDBPyConnection, database: str) -> pl.DataFrame:
    """Every subject with its developer names split out, lower-cased, for matching."""
    table = f"{database}.subjects"
    related = "related" if "related" in _columns(connection, table) else "NULL::VARCHAR[]"
    return (
        connection.execute(
            f"SELECT subject, name, kind, developer, members, {related} AS related FROM {table}"
        )
        .pl()
        .with_columns(
            developers=pl.col("developer")
            .str.split(",")
            .list.eval(pl.element().str.strip_chars().str.to_lowercase())
            .fill_null([]),
            members=pl.col("members").fill_null([]),
            related=pl.col("related").fill_null([]),
        )
    )


def _named_by_claims(
    connection: duckdb.DuckDBPyConnection, database: str, subjects: list[str]
) -> list[str]:
    """The chips and tickers that these subjects' claims name as their qualifier."""
    rows = connection.execute(
        f"""
        SELECT DISTINCT c.qualifier
        FROM {database}.claims AS c JOIN {database}.subjects AS t ON t.subject = c.qualifier
        WHERE list_contains(?::VARCHAR[], c.subject) AND list_contains(?::VARCHAR[], t.kind)
        ORDER BY c.qualifier
        """,
        [subjects, list(NAMED_KINDS)],
    ).fetchall()
    return [row[0] for row in rows]


def related_subjects(
    connection: duckdb.DuckDBPyConnection, subject: str, *, database: str = LAKE
) -> pl.DataFrame:
    """The subjects on ``subject``'s ladder (see the module's doc), each once, with why:
    ``relation`` is subject, developer, model, related, named in a claim, or member.

    Raises :class:`UnknownSubject` (with close names) when there is no such subject.
    """
    every = _subjects(connection, database)
    me = every.filter(pl.col("subject") == subject)
    if me.is_empty():
        raise UnknownSubject(
            f"no subject '{subject}' in the warehouse"
            + did_you_mean(subject, every["subject"].to_list())
        )
    is_company = me["kind"][0] == "company"
    developers = every.filter(
        (pl.col("subject") == subject)
        if is_company
        else (pl.col("kind") == "company")
        & pl.col("name").str.to_lowercase().is_in(me["developers"].explode().drop_nulls().implode())
    )
    company_names = developers["name"].str.to_lowercase().drop_nulls()
    models = every.filter(
        pl.col("developers").list.eval(pl.element().is_in(company_names.implode())).list.any()
    )
    listed = pl.concat([me, developers])["related"].explode().drop_nulls()
    related = every.filter(pl.col("subject").is_in(listed.implode()))
    steps: list[tuple[str, list[str]]] = [
        ("subject", [subject]),
        ("developer", developers["subject"].to_list()),
        ("model", models["subject"].sort().to_list()),
        ("related", related["subject"].to_list()),
    ]
    so_far = [s for _, found in steps for s in found]
    steps.append(("named in a claim", _named_by_claims(connection, database, so_far)))
    so_far += steps[-1][1]
    groups = every.filter(pl.col("subject").is_in(so_far) & (pl.col("kind") == "group"))
    steps.append(("member", groups["members"].explode().drop_nulls().to_list()))
    return (
        pl.DataFrame(
            [(s, why) for why, found in steps for s in found],
            schema={"subject": pl.String, "relation": pl.String},
            orient="row",
        )
        # A subject that is related several ways is listed under the first.
        .unique("subject", keep="first", maintain_order=True)
    )


def _claims(
    connection: duckdb.DuckDBPyConnection, database: str, subjects: list[str]
) -> pl.DataFrame:
    """The subjects' dollar claims with their checks (a snapshot from before the claim fields
    reads them as exact, current, with no outlet and no checks)."""
    present = set(_columns(connection, f"{database}.claims"))
    optional = [c for c in _CLAIM_DEFAULTS if c in present]
    frame = connection.execute(
        f"""
        SELECT claim_id, subject, metric, scope, qualifier, value, low, high, claimant,
               stated_on AS dated, quote, source_url, source_title
               {"".join(", " + c for c in optional)}
        FROM {database}.claims
        WHERE list_contains(?::VARCHAR[], subject) AND unit = 'usd'
        """,
        [subjects],
    ).pl()
    frame = frame.with_columns(
        expression.alias(c) for c, expression in _CLAIM_DEFAULTS.items() if c not in optional
    )
    return frame.with_columns(
        claim_point().alias("value"),
        pl.lit("claim").alias("kind"),
        pl.lit(None, dtype=pl.String).alias("estimator"),
        pl.lit(None, dtype=pl.String).alias("estimator_version"),
    ).join(_checks(connection, database, frame["claim_id"]), on="claim_id", how="left")


def _checks(
    connection: duckdb.DuckDBPyConnection, database: str, claim_ids: pl.Series
) -> pl.DataFrame:
    """Each claim's checks as "check: detail" (none in a snapshot without the view)."""
    try:
        found = connection.execute(
            f"""
            SELECT claim_id, "check", detail FROM {database}.claim_checks
            WHERE list_contains(?::VARCHAR[], claim_id) ORDER BY claim_id, "check"
            """,
            [claim_ids.to_list()],
        ).pl()
    except duckdb.CatalogException:
        found = pl.DataFrame(
            schema={"claim_id": pl.String, "check": pl.String, "detail": pl.String}
        )
    return found.group_by("claim_id", maintain_order=True).agg(
        checks=pl.format("{}: {}", "check", pl.col("detail").fill_null("")).str.strip_suffix(": ")
    )


def _estimates(
    connection: duckdb.DuckDBPyConnection, database: str, subjects: list[str]
) -> pl.DataFrame:
    """The latest dollar estimate of each subject, estimator, metric and scope."""
    return (
        connection.execute(
            f"""
            SELECT subject, metric, scope, estimator,
                   arg_max(value, as_of) AS value, arg_max(low, as_of) AS low,
                   arg_max(high, as_of) AS high,
                   arg_max(estimator_version, as_of) AS estimator_version, max(as_of) AS dated
            FROM {database}.estimates
            WHERE list_contains(?::VARCHAR[], subject) AND unit = 'usd'
            GROUP BY subject, estimator, metric, scope
            """,
            [subjects],
        )
        .pl()
        .with_columns(pl.lit("estimate").alias("kind"))
    )


def _figure_text() -> pl.Expr:
    """A row for people (warehouse/numbers.py's rule): a claim as stated, with its bound's
    sign, and "loss"; an estimate at three figures, with its range."""
    claim = number_expr(pl.col("magnitude"), "usd", pl.col("magnitude_bound"), stated=True)
    loss = pl.when(pl.col("loss")).then(pl.lit(" loss")).otherwise(pl.lit(""))
    has_range = pl.col("magnitude_low").is_not_null() & pl.col("magnitude_high").is_not_null()
    span = pl.concat_str(
        pl.lit(" ("),
        number_expr(pl.col("magnitude_low"), "usd"),
        pl.lit(" – "),
        number_expr(pl.col("magnitude_high"), "usd"),
        pl.lit(")"),
    )
    estimate = number_expr(pl.col("magnitude"), "usd") + pl.when(has_range).then(span).otherwise(
        pl.lit("")
    )
    return (pl.when(pl.col("kind") == "claim").then(claim).otherwise(estimate) + loss).alias(
        "figure"
    )


def _magnitudes(frame: pl.DataFrame) -> pl.DataFrame:
    """Where each figure sits on the ladder: its size, a loss's range and bound turned over."""
    loss = pl.col("value") < 0
    flipped = {"lower": "upper", "upper": "lower"}
    return frame.with_columns(
        magnitude=pl.col("value").abs(),
        magnitude_low=pl.when(loss).then(pl.col("high").abs()).otherwise(pl.col("low")),
        magnitude_high=pl.when(loss).then(pl.col("low").abs()).otherwise(pl.col("high")),
        loss=loss.fill_null(False),
        magnitude_bound=pl.when(loss)
        .then(pl.col("bound").replace(flipped))
        .otherwise(pl.col("bound")),
        date_text=stated_on_expr(pl.col("dated"), pl.col("stated_on_precision")),
    ).with_columns(_figure_text())


def ladder(
    connection: duckdb.DuckDBPyConnection, subject: str, *, database: str = LAKE
) -> pl.DataFrame:
    """The ladder of ``subject``: the dollar claims and latest dollar estimates of it and its
    related subjects (:func:`related_subjects`), smallest first (:data:`COLUMNS`).

    ``database``: the name the lake is attached under (the dashboard pins one per snapshot).
    Raises :class:`UnknownSubject` when there is no such subject.
    """
    subjects = related_subjects(connection, subject, database=database)["subject"].to_list()
    claims = _claims(connection, database, subjects)
    estimates = _estimates(connection, database, subjects)
    rows = pl.concat([claims, estimates], how="diagonal_relaxed")
    rows = rows.with_columns(
        pl.col("checks").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("dated").cast(pl.Date),
    ).filter(pl.col("value").is_not_null())
    return (
        _magnitudes(rows)
        .select(COLUMNS)
        .sort("magnitude", "kind", "subject", "scope", "claim_id", "estimator", nulls_last=True)
    )
