"""The dashboard's page queries: every read a page makes, in one place, through one cache.

Where and how they run (one DuckDB instance per process, each snapshot attached read-only as
``s<id>``, private copies of a SQLite catalog, the results cache shared by the workers) is
snapshots.py's job; this module says what the pages ask. What the warehouse already knows how
to read (the snapshot log, the tags, a diff, the stored estimates, the reconciliation) is
asked of the warehouse's own functions through :meth:`SnapshotReader.read`, so a page and
``costboard log``, ``tags``, ``diff`` or ``estimate --explain`` cannot disagree; the SQL left
here is what only a page needs.

Queries name the snapshot's database as ``{db}``; callers pass parameters, never text, into
the SQL. Results are polars frames: callbacks ask for just what they draw, nothing here loads
a whole table into Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import closing
from typing import Any

import polars as pl

from costboard.dashboard import hover
from costboard.dashboard.claim_reads import MISSING_IN_SNAPSHOT, ClaimsPageReads

# CatalogCopies, file_cache and alias stay importable from here (estimators.py, the tests
# and benchmarks use them).
from costboard.dashboard.snapshots import CatalogCopies as CatalogCopies
from costboard.dashboard.snapshots import alias as alias
from costboard.dashboard.snapshots import file_cache as file_cache
from costboard.plugins.claim_standing import subject_claims

# The market page and the tests import the event window from here; its home is the plugins.
from costboard.plugins.windows import Window as Window
from costboard.warehouse import constant_dollars, estimate_moves, history
from costboard.warehouse import estimates as estimate_store

#: How many snapshots the selector lists (tagged snapshots are always listed).
SNAPSHOT_CHOICES = 500
#: What a chart's claim marker needs beyond the figure (claim_markers draws them).
STANDING_COLUMNS = ("bound", "status", "status_note", "outlet", "stated_on_precision", "checks")


class NoClaimStanding(RuntimeError):
    """The snapshot predates the claim fields and the claim_checks view (written by an older
    costboard, before its warehouse was upgraded)."""


class Reader(ClaimsPageReads):
    """The dashboard's reads. One per app; safe to share between threads."""

    def default_warmers(self) -> list[Callable[[Any, int], object]]:
        # One read a warmer, so that the memory budget is checked between them (warming.py).
        return list(WARMERS)

    # ------------------------------------------------------------- knowledge time

    def snapshot_choices(self, latest: int) -> pl.DataFrame:
        """The snapshots the selector offers, newest first: the recent ones and every tagged one."""
        return (
            self.read(latest, history.log)
            .with_row_index("rank")
            .filter((pl.col("rank") < SNAPSHOT_CHOICES) | pl.col("tags").is_not_null())
            .select("snapshot_id", "snapshot_time", "author", "message", "kind", "tags")
        )

    def snapshot_log(self, latest: int, limit: int = SNAPSHOT_CHOICES) -> pl.DataFrame:
        """The history as of ``latest``, newest first, with row counts and tags."""
        # The whole log is one cached read that the selector's choices share.
        return self.read(latest, history.log).head(limit)

    def tags(self, latest: int) -> pl.DataFrame:
        return self.read(latest, history.tags)

    def diff(self, old: int, new: int) -> dict[str, pl.DataFrame]:
        """Rows added, removed and changed between two snapshots (see history.diff)."""

        def compute() -> dict[str, pl.DataFrame]:
            with closing(self.databases.cursor(at_least=max(old, new))) as cursor:
                return history.diff(cursor, old, new)

        return self.cached(("diff", int(old), int(new)), compute)

    def estimate_moves(self, old: int, new: int) -> pl.DataFrame:
        """How each estimate series moved: its newest value and inputs in ``old`` against ``new``.

        One row per (subject, estimator, metric, scope) present in either snapshot, by the
        warehouse's rule (estimate_moves.moves), which ``costboard diff --table estimates`` uses
        too.
        """
        before = self.read(old, estimate_moves.newest_per_series)
        after = self.read(new, estimate_moves.newest_per_series)
        return estimate_moves.moves(before, after)

    # ----------------------------------------------------------------- evidence

    def subjects(self, snapshot_id: int) -> pl.DataFrame:
        """Every subject with how many claims and estimates it has at this snapshot."""
        return self.frame(
            snapshot_id,
            """
            WITH c AS (SELECT subject, count(*) AS n FROM {db}.claim_records GROUP BY subject),
                 e AS (SELECT subject, count(*) AS n FROM {db}.estimates GROUP BY subject)
            SELECT s.subject, s.name, s.kind, s.developer, s.members,
                   coalesce(c.n, 0) AS claims, coalesce(e.n, 0) AS estimates
            FROM {db}.subjects AS s
            LEFT JOIN c USING (subject) LEFT JOIN e USING (subject)
            ORDER BY coalesce(e.n, 0) = 0, s.kind, s.subject
            """,
        )

    def estimators(self, snapshot_id: int) -> list[str]:
        """Every estimator with estimates at this snapshot (fixes each one's colour)."""
        frame = self.frame(
            snapshot_id, "SELECT DISTINCT estimator FROM {db}.estimates ORDER BY estimator"
        )
        return frame["estimator"].to_list()

    def estimates(
        self,
        snapshot_id: int,
        subjects: Sequence[str],
        usd_of: dt.date | None = None,
        evidence_until: dt.date | None = None,
    ) -> pl.DataFrame:
        """The subjects' stored estimates (the ``estimates`` view at this snapshot).

        With ``usd_of`` (a month's first day), dollar figures are in constant dollars of that
        month, by the warehouse's ``estimates_in_usd_of`` macro (columns ``usd_of`` and
        ``priced_in`` added); raises :class:`constant_dollars.NoConstantDollars` when the
        snapshot cannot give them. With ``evidence_until``, only the estimates at evidence
        dates on or before it.
        """
        until = {"evidence_until": evidence_until}
        if usd_of is None:
            frame = self._per_subject(snapshot_id, estimate_store.stored, subjects, **until)
        else:
            frame = self._per_subject(
                snapshot_id, constant_dollars.estimates, subjects, usd_of, **until
            )
        # snapshot_id there is the evidence snapshot; /api/estimates names the one it read.
        return frame.drop("snapshot_id").sort(
            "subject", "metric", "scope", "estimator", "as_of", maintain_order=True
        )

    def comparable_claims(
        self, snapshot_id: int, subjects: Sequence[str], usd_of: dt.date | None = None
    ) -> pl.DataFrame:
        """The subjects' claims that some estimator also answers (same metric and scope).

        With ``usd_of``, in constant dollars of that month by the same rule as the estimates
        (the ``claims_in_usd_of`` macro), so claims and estimates stay comparable.
        """
        if usd_of is not None:
            claims = self.read(snapshot_id, constant_dollars.claims, list(subjects), usd_of)
        else:
            claims = self.read(snapshot_id, constant_dollars.comparable_claims, list(subjects))
        # Each claim's bound, status and checks, from the one standing read the claim table
        # shows too (the constant-dollar macro knows nothing of them).
        try:
            standing = self.claim_standing(snapshot_id, subjects)
        except NoClaimStanding:  # an older snapshot: its claims draw as exact and current
            return claims
        return claims.join(
            standing.select("claim_id", *STANDING_COLUMNS),
            on="claim_id",
            how="left",
            maintain_order="left",
        )

    def claim_standing(self, snapshot_id: int, subjects: Sequence[str]) -> pl.DataFrame:
        """Every claim of the subjects with whether it is evidence and why not, and its
        claim_checks findings (costboard.plugins.claim_standing: what --explain shows).

        Raises :class:`NoClaimStanding` for a snapshot written before the claim fields.
        """
        try:
            return self._per_subject(snapshot_id, subject_claims, subjects)
        except MISSING_IN_SNAPSHOT as error:
            raise NoClaimStanding(
                f"snapshot {snapshot_id} was written by an older costboard: its claims have "
                f"no bound, status or checks to show ({str(error).splitlines()[0]})"
            ) from error

    def reconciliation(self, snapshot_id: int, subjects: Sequence[str]) -> pl.DataFrame:
        """Each of the subjects' claims against each estimate of its metric and scope."""
        frame = self._per_subject(snapshot_id, estimate_store.reconciliation, subjects)
        return frame.sort(
            "subject", "metric", "scope", "stated_on", "claim_id", "estimator", maintain_order=True
        )

    def _per_subject(
        self,
        snapshot_id: int,
        function: Callable[..., pl.DataFrame],
        subjects: Sequence[str],
        *args: object,
        evidence_until: dt.date | None = None,
    ) -> pl.DataFrame:
        """A warehouse function's frame for each subject, stacked. Each subject is cached on
        its own, so pages asking for overlapping subjects share the reads."""
        # No subject is named "" (ingest requires one): asking for it gives the empty frame
        # with the warehouse's column types.
        wanted = list(dict.fromkeys(subjects)) or [""]
        return pl.concat(
            self.read(
                snapshot_id, function, subject, *args, evidence_until=evidence_until
            ).with_columns(subject=pl.lit(subject))
            for subject in wanted
        )

    def price_index_months(self, snapshot_id: int) -> list[dt.date]:
        """The months the constant-dollar price index covers at this snapshot, newest first."""
        frame = self.frame(
            snapshot_id,
            "SELECT DISTINCT CAST(date_trunc('month', date) AS DATE) AS month "
            "FROM {db}.price_records WHERE ticker = ? ORDER BY month DESC",
            [constant_dollars.SERIES],
        )
        return frame["month"].to_list()

    # ------------------------------------------------------------------ market

    def tickers(self, snapshot_id: int) -> pl.DataFrame:
        """Tickers with prices, with their subject names and first and last dates."""
        return self.frame(
            snapshot_id,
            """
            SELECT p.ticker, any_value(s.name) AS name, min(p.date) AS first_date,
                   max(p.date) AS last_date, count(*) AS days
            FROM {db}.prices AS p LEFT JOIN {db}.subjects AS s ON s.subject = p.ticker
            GROUP BY p.ticker ORDER BY p.ticker
            """,
        )

    def groups(self, snapshot_id: int) -> pl.DataFrame:
        """Group subjects (e.g. nvidia-broadcom) and their member tickers."""
        return self.frame(
            snapshot_id,
            "SELECT subject, name, members FROM {db}.subjects "
            "WHERE kind = 'group' AND len(members) > 0 ORDER BY subject",
        )

    def market_series(
        self, snapshot_id: int, tickers: Sequence[str], start: dt.date, end: dt.date
    ) -> pl.DataFrame:
        """Daily close and market cap for ``tickers`` between two dates."""
        return self.frame(
            snapshot_id,
            """
            SELECT ticker, date, close, adjusted, shares_outstanding, market_cap
            FROM {db}.market_caps
            WHERE list_contains(?::VARCHAR[], ticker) AND date BETWEEN ? AND ?
            ORDER BY ticker, date
            """,
            [list(tickers), start, end],
        )

    def claim_events(self, snapshot_id: int, start: dt.date, end: dt.date) -> pl.DataFrame:
        """One row per date with claims between two dates: how many, and who said what."""
        return self.frame(
            snapshot_id,
            """
            SELECT stated_on, count(*) AS claims,
                   list(claimant || ': ' || subject || ' ' || metric
                        ORDER BY claimant, subject, metric) AS what
            FROM {db}.claims
            WHERE stated_on BETWEEN ? AND ?
            GROUP BY stated_on ORDER BY stated_on
            """,
            [start, end],
        ).with_columns(
            # The hover renders HTML: each claimant's text is escaped, only the breaks are markup.
            pl.col("what").list.eval(hover.escaped_column(pl.element())).list.join("<br>")
        )

    def window_claims(
        self, snapshot_id: int, subjects: Sequence[str], window: Window
    ) -> pl.DataFrame:
        """Claims about moves of these subjects, stated during the window or the day after, or
        whose qualifier names a day in the window.

        Reports of a day's close often carry the next day's date (CNBC's $595B is dated 28 Jan),
        or a later one: CNBC's combined ~$800B loss ran on 31 Jan, qualified with 27 Jan.
        """
        return self.frame(
            snapshot_id,
            """
            SELECT claim_id, subject, metric, scope, value, low, high, unit, bound, claimant,
                   stated_on, quote, source_url, source_title
            FROM {db}.claims
            WHERE list_contains(?::VARCHAR[], subject)
              AND metric IN ('market_cap_change', 'price_change')
              AND (stated_on BETWEEN ? AND ? + INTERVAL 1 DAY
                   OR TRY_CAST(qualifier AS DATE) BETWEEN ? AND ?)
            ORDER BY subject, metric, stated_on, claim_id
            """,
            [list(subjects), window.start, window.end, window.start, window.end],
        )


def warm_snapshot_list(reader: Reader, snapshot_id: int) -> None:
    reader.snapshot_choices(snapshot_id)
    reader.snapshot_log(snapshot_id)


def warm_subjects(reader: Reader, snapshot_id: int) -> None:
    reader.subjects(snapshot_id)
    reader.estimators(snapshot_id)


def warm_estimates(reader: Reader, snapshot_id: int) -> None:
    if first := default_subjects(reader.subjects(snapshot_id)):
        reader.estimates(snapshot_id, first)


def warm_comparable_claims(reader: Reader, snapshot_id: int) -> None:
    if first := default_subjects(reader.subjects(snapshot_id)):
        reader.comparable_claims(snapshot_id, first)


def warm_reconciliation(reader: Reader, snapshot_id: int) -> None:
    if first := default_subjects(reader.subjects(snapshot_id)):
        reader.reconciliation(snapshot_id, first)


def warm_market(reader: Reader, snapshot_id: int) -> None:
    reader.tickers(snapshot_id)
    reader.groups(snapshot_id)


#: What fills the cache with what each page shows first for a new snapshot, in order.
WARMERS: tuple[Callable[[Reader, int], None], ...] = (
    warm_snapshot_list,
    warm_subjects,
    warm_estimates,
    warm_comparable_claims,
    warm_reconciliation,
    warm_market,
)


def default_views(reader: Reader, snapshot_id: int) -> None:
    """Fill the cache with what each page shows first for a new snapshot (every warmer)."""
    for warmer in WARMERS:
        warmer(reader, snapshot_id)


def default_subjects(subjects: pl.DataFrame) -> list[str]:
    """What the overview shows when the URL names no subject.

    deepseek-v3 (the story costboard starts from) when it is there, else the first subject
    with estimates; and the company that developed it: the model's final-run lines and its
    developer's fleet lines, side by side. Before any estimates exist, the same choice among
    all subjects, so the page says "no estimates yet" about the subject people expect.
    """
    if subjects.is_empty():
        return []
    with_estimates = subjects.filter(pl.col("estimates") > 0)
    candidates = with_estimates if not with_estimates.is_empty() else subjects
    preferred = candidates.filter(pl.col("subject") == "deepseek-v3")
    first = (preferred if not preferred.is_empty() else candidates).row(0, named=True)
    chosen = [first["subject"]]
    if first["developer"]:
        company = candidates.filter(
            (pl.col("kind") == "company")
            & (pl.col("name").str.to_lowercase() == first["developer"].lower())
        )
        chosen += company["subject"].to_list()
    return chosen
