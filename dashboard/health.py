"""``GET /healthz``: whether this server can read its warehouse, for load balancers.

It answers without sign-in (a load balancer has no session), so it says only ``ok`` or
``unavailable``: no catalog, path, snapshot id or error text, which could name the set-up.
The reason for a 503 goes to the server's log instead.
"""

from __future__ import annotations

import logging

import flask

log = logging.getLogger(__name__)

PATH = "/healthz"


def register(server: flask.Flask) -> None:
    server.add_url_rule(PATH, "healthz", healthz, methods=["GET"])


def healthz() -> tuple[flask.Response, int]:
    reader = flask.current_app.extensions["costboard"].reader
    try:
        # The newest snapshot id: a real read of the catalog (trusted for one second).
        reader.latest_id()
    except Exception as error:  # any failure to read means "not ready", whatever its kind
        log.warning("healthz: the warehouse is not readable: %s", type(error).__name__)
        return flask.jsonify({"status": "unavailable"}), 503
    return flask.jsonify({"status": "ok"}), 200
