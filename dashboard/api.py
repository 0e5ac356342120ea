"""A small JSON API beside the pages, on the same Flask server.

- ``GET /api/sql?q=...&as_of=REF&evidence_until=YYYY-MM-DD``: ``{"columns", "rows",
  "truncated", "truncated_by", "elapsed_ms", "snapshot_id", "evidence_until"}`` through the
  same fence as the SQL page (``truncated_by``: "rows" or "bytes" when a cap cut the result);
  refused or failed queries answer 4xx with ``{"error": "..."}``.
- ``GET /api/snapshots``: the snapshot history, newest first.
- ``GET /api/estimates?subject=...&as_of=REF&evidence_until=YYYY-MM-DD&usd_of=YYYY-MM``: a
  subject's estimates at a snapshot, in nominal dollars or (with ``usd_of``) constant dollars
  of that month.
- ``GET /api/claims?subject=...&as_of=REF&evidence_until=YYYY-MM-DD``: every claim of a
  subject with how it reached us (bound, source_kind, cites, status, outlet), whether it is
  evidence (``in_evidence``, ``excluded_because``) and its ``checks``.

Numbers stay numbers; each record also carries its figures as text by warehouse/numbers.py's
rule, the text the pages and the CLI show: a claim's ``figure`` ("> $294K", its stated digits
kept), an estimate's ``value_text``, ``low_text`` and ``high_text`` ("$5.58M", three
significant figures).

REF is what the CLI accepts: a snapshot id, a tag, a date or timestamp, or ``latest`` (the
default): knowledge time, what the warehouse held. ``evidence_until`` is evidence time, as the
CLI's ``--evidence-until``: only claims stated and prices dated on or before that day, and the
estimates at evidence dates up to it (a malformed date is a 400). The two combine. Every
answer names the concrete snapshot id it read, and the evidence date (null: all evidence).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import flask
import polars as pl
from werkzeug.exceptions import HTTPException

from costboard.dashboard import fence
from costboard.dashboard.data import Reader
from costboard.plugins.claim_standing import subject_claims
from costboard.warehouse import constant_dollars, evidence_time, odd_values
from costboard.warehouse.claim_text import claim_figure_expr
from costboard.warehouse.errors import did_you_mean
from costboard.warehouse.history import RefError
from costboard.warehouse.lake import CatalogUnreachable
from costboard.warehouse.numbers import number_expr

blueprint = flask.Blueprint("costboard_api", __name__, url_prefix="/api")


def _reader() -> Reader:
    return flask.current_app.extensions["costboard"].reader


def _error(message: str, status: int, **extra: str) -> tuple[flask.Response, int]:
    return flask.jsonify({"error": message, **extra}), status


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: fence.jsonable(v) for k, v in row.items()}
        for row in odd_values.pythonable(frame).to_dicts()
    ]


def run_sql(
    reader: Reader, sql: str, snapshot_id: int, evidence_until: dt.date | None = None
) -> fence.QueryResult:
    """A fenced query, cached per snapshot, evidence date and query text (shared with the SQL
    page)."""
    until = evidence_until.isoformat() if evidence_until else None
    limits = fence.Limits()
    # The caps are in the key: a result cut under one cap is not the answer under another.
    key = ("sql", snapshot_id, sql, limits.row_cap, limits.max_bytes)
    return reader.cached(
        (*key, until) if until else key,
        lambda: fence.run(
            reader.catalog_for(snapshot_id), sql, snapshot_id, limits, evidence_until
        ),
    )


def _evidence_until() -> dt.date | None:
    """The ``evidence_until`` query parameter (None when absent or empty); raises
    :class:`evidence_time.EvidenceDateError` when it is not a YYYY-MM-DD date."""
    text = flask.request.args.get("evidence_until", "").strip()
    return evidence_time.parse(text) if text else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@blueprint.get("/sql")
def sql() -> Any:
    query = flask.request.args.get("q", "")
    reader = _reader()
    try:
        until = _evidence_until()
        snapshot_id = reader.resolve(flask.request.args.get("as_of"))
        result = run_sql(reader, query, snapshot_id, until)
        return flask.jsonify({**result.to_json(), "evidence_until": _iso(until)})
    except evidence_time.EvidenceDateError as error:
        return _error(f"evidence_until: {error}", 400)
    except RefError as error:
        return _error(str(error), 404)
    except fence.QueryError as error:
        return _error(str(error), error.status)


@blueprint.get("/snapshots")
def snapshots() -> Any:
    reader = _reader()
    latest = reader.latest_id()
    log = reader.snapshot_log(latest)
    return flask.jsonify({"latest": latest, "snapshots": _records(log)})


class _Refused(Exception):
    """A request the API answers with an error (message, HTTP status)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _subject_request(endpoint: str) -> tuple[Reader, str, int, dt.date | None]:
    """The reader, subject, snapshot id and evidence date a per-subject endpoint asks for."""
    reader = _reader()
    subject = flask.request.args.get("subject", "").strip()
    if not subject:
        raise _Refused(f"name a subject: /api/{endpoint}?subject=deepseek-v3", 400)
    try:
        until = _evidence_until()
        snapshot_id = reader.resolve(flask.request.args.get("as_of"))
    except evidence_time.EvidenceDateError as error:
        raise _Refused(f"evidence_until: {error}", 400) from error
    except RefError as error:
        raise _Refused(str(error), 404) from error
    known = reader.subjects(snapshot_id)["subject"].to_list()
    if subject not in known:
        message = f"no subject '{subject}' at snapshot {snapshot_id}"
        raise _Refused(message + did_you_mean(subject, known), 404)
    return reader, subject, snapshot_id, until


@blueprint.errorhandler(_Refused)
def refused(error: _Refused) -> Any:
    return _error(str(error), error.status)


@blueprint.get("/claims")
def claims() -> Any:
    reader, subject, snapshot_id, until = _subject_request("claims")
    frame = reader.read(snapshot_id, subject_claims, subject, evidence_until=until)
    frame = frame.with_columns(claim_figure_expr().alias("figure"))
    return flask.jsonify(
        {
            "snapshot_id": snapshot_id,
            "subject": subject,
            "evidence_until": _iso(until),
            "claims": _records(frame),
        }
    )


@blueprint.get("/estimates")
def estimates() -> Any:
    reader, subject, snapshot_id, until = _subject_request("estimates")
    usd_of = flask.request.args.get("usd_of", "").strip() or None
    try:
        month = constant_dollars.parse_month(usd_of) if usd_of else None
        frame = reader.estimates(snapshot_id, [subject], usd_of=month, evidence_until=until)
    except constant_dollars.NoConstantDollars as error:
        return _error(f"usd_of={usd_of}: {error}", 400)
    frame = frame.with_columns(
        number_expr(pl.col(c), pl.col("unit")).alias(f"{c}_text") for c in ("value", "low", "high")
    )
    return flask.jsonify(
        {
            "snapshot_id": snapshot_id,
            "subject": subject,
            "evidence_until": _iso(until),
            # Which dollars the figures are in: null for nominal (each as estimated).
            "usd_of": constant_dollars.month_text(month) if month else None,
            "dollars": f"constant {constant_dollars.month_text(month)} US dollars"
            if month
            else "nominal US dollars",
            "estimates": _records(frame),
        }
    )


@blueprint.route("/<path:unknown>")
def not_found(unknown: str) -> Any:
    # Without this, Dash's catch-all route would answer an API typo with the app's HTML.
    return _error(
        f"no API endpoint /api/{unknown}: see /api/sql, /api/snapshots, /api/estimates, "
        "/api/claims",
        404,
    )


@blueprint.errorhandler(Exception)
def unexpected(error: Exception) -> Any:
    # The API answers JSON even when something breaks; the status says whose fault it was.
    if isinstance(error, HTTPException):
        return _error(error.description or error.name, error.code or 500)
    if isinstance(error, CatalogUnreachable):
        # The catalog's server is down or refusing: not this request's fault, and it passes.
        flask.current_app.logger.warning("API: %s", error)
        return _error(str(error), 503)
    # The body names no exception: its text can hold a path, a query or a catalog URL. The
    # id lets whoever reads the server's log find the traceback beside it.
    error_id = uuid.uuid4().hex[:12]
    flask.current_app.logger.exception("API internal error %s", error_id)
    return _error(f"internal error (id {error_id})", 500, error_id=error_id)


def register(server: flask.Flask) -> None:
    server.register_blueprint(blueprint)
