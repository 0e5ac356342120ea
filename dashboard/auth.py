"""Sign-in: when the dashboard has users, every request but two needs a signed-in user.

One ``before_request`` hook on the Flask server, run before Dash's own, decides for every
path, so a route added later is covered without naming it. The two open paths are the sign-in
page itself and ``/healthz`` (a load balancer has no session; it answers only ok or not).

- Pages (a GET of a path outside ``/_...``, ``/assets/`` and ``/api/``) redirect to
  ``/signin?next=PATH``; Dash's callbacks, assets and component bundles answer 401; ``/api/``
  answers 401 with ``WWW-Authenticate: Basic`` and accepts, besides the session, HTTP basic
  auth with a user's password or ``Authorization: Bearer TOKEN`` (``costboard users token``).
- The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure unless
  ``--no-secure-cookie``), signed with the key :func:`users.secret_key` keeps, so it survives
  restarts and every worker accepts it. It names the user, a fingerprint of the password
  hash (removing the user, or giving a new password, ends their sessions) and a random
  session id that must be live in the shared store (dashboard/signin_store.py): signing out
  deletes it, so a copy of the cookie stops working too.
- The sign-in and sign-out forms are POSTs that must come from this site (their Origin, or
  failing that their Referer, names this host): with SameSite=Lax, that stops another site
  from signing a browser in or out. A password is never in a URL, so never in the access log.
- Failed sign-ins are counted in the same shared store, so the limits hold across every
  worker of the server, and only failures count. A password (form or basic auth) is refused
  unchecked once its (user name, client address) pair failed 5 times in a moving minute, or
  once the address failed 20 times and this pair failed at least once: a guesser is slowed,
  while the same user from another client, or a teammate at the same address who types the
  right password first, still gets in. A bearer token is checked first and a valid one is
  never refused (a token is 32 random bytes: there is nothing to guess); wrong tokens count
  against the address. Failures are logged with the name and address, never the password.
  Behind a reverse proxy the address is the proxy's unless ``COSTBOARD_TRUSTED_PROXIES``
  says how many proxies append ``X-Forwarded-For`` (dashboard/hosts.py).
- Before all of this, dashboard/hosts.py refuses a Host header that is not an allowed name.

With no users the dashboard is open: ``costboard serve`` refuses a non-loopback address then,
unless ``--no-auth``. Users added while it runs take effect at the next request (the file is
re-read when it changes); once a server has had users it stays closed, even if the last one
is removed.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import secrets
import sys
from urllib.parse import quote, urlsplit

import flask
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Response

from costboard.dashboard import health, hosts, users
from costboard.dashboard.signin_store import FILE_NAME, Rate, SigninStore
from costboard.warehouse.config import WarehouseConfig

log = logging.getLogger(__name__)

SIGNIN = "/signin"
SIGNOUT = "/signout"
OPEN_PATHS = frozenset({SIGNIN, health.PATH})
COOKIE_NAME = "costboard_session"
SESSION_DAYS = 14
#: Failed sign-ins allowed per (user name, client address) pair, and per client address.
PER_PAIR = Rate(5, 60.0)
PER_ADDRESS = Rate(20, 60.0)
# ``next`` after sign-in: a path on this site in URI characters (RFC 3986), never a second
# slash or backslash after the first (``//host``, ``/\host``: another site to a browser).
# Browsers drop tabs and newlines from a URL, so ``/<TAB>/host`` would become ``//host``:
# control characters are not in the set.
_SAME_SITE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%\[\]]*")


class Guard:
    def __init__(self, config: WarehouseConfig) -> None:
        self.config = config
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, users.User] = {}
        self._store: SigninStore | None = None
        #: Set once the server has seen a user, and never cleared: removing the last user (or
        #: the users file) then lets nobody in, rather than opening a dashboard that
        #: `costboard serve` only agreed to put on its address because it had users.
        self._required = False

    def users(self) -> dict[str, users.User]:
        """The users now: the variable, or the file as it is (re-read when it changes)."""
        if os.environ.get(users.USERS_ENV):
            if self._stamp is None:
                self._users, self._stamp = users.load(self.config), (0, 0)
            return self._users
        try:
            status = users.users_file(self.config).stat()
            stamp = (status.st_mtime_ns, status.st_size)
        except FileNotFoundError:
            return {}
        if stamp != self._stamp:
            self._users, self._stamp = users.load(self.config), stamp
        return self._users

    @property
    def store(self) -> SigninStore:
        """Opened at first use: an open dashboard (no users) never creates it."""
        if self._store is None:
            path = self.config.home / FILE_NAME
            self._store = SigninStore(path, longest=max(PER_PAIR.seconds, PER_ADDRESS.seconds))
        return self._store

    # -- the hook ------------------------------------------------------------------------

    def check(self) -> Response | None:
        """Let the request through (None) or answer it: redirect, 401 or 429."""
        path = flask.request.path
        if path in OPEN_PATHS:
            return None
        known = self.users()
        self._required = self._required or bool(known)
        if not self._required:
            return None
        user = self._session_user(known)
        if user is None and _is_api(path) and flask.request.authorization is not None:
            user_or_refusal = self._header_user(known)
            if isinstance(user_or_refusal, Response):
                return user_or_refusal
            user = user_or_refusal
        if user is not None:
            flask.g.costboard_user = user.name
            return None
        return _refuse(path)

    def _session_user(self, known: dict[str, users.User]) -> users.User | None:
        user = known.get(str(flask.session.get("user", "")))
        if user is None or flask.session.get("fp") != user.fingerprint:
            return None
        session_id = flask.session.get("sid")
        if not isinstance(session_id, str) or not self.store.session_live(session_id, user.name):
            return None  # signed out (or signed before sessions had ids): sign in again
        return user

    def _header_user(self, known: dict[str, users.User]) -> users.User | Response | None:
        credentials = flask.request.authorization
        assert credentials is not None
        if credentials.type == "bearer" and credentials.token:
            # Checked first: a valid token is never refused for anyone's failures. A token
            # names no user, so a wrong one counts against the client's address only.
            user = users.user_for_token(known, credentials.token)
            if user is not None:
                return user
            address = _address()
            if self.store.failures(PER_ADDRESS, "address", address) >= PER_ADDRESS.amount:
                log.warning("sign-in refused, too many failures: bearer token from %s", address)
                return _api_refusal("too many failed sign-ins: wait a minute", 429)
            self.store.fail(("address", address))
            log.warning("failed sign-in (bearer token): from %s", address)
            return None
        if credentials.type == "basic":
            name, password = credentials.username or "", credentials.password or ""
            user, limited = self._password_user(known, name, password, "basic auth")
            if limited:
                return _api_refusal("too many failed sign-ins: wait a minute", 429)
            return user
        return None

    # -- rate limits and the log -----------------------------------------------------------

    def _password_user(
        self, known: dict[str, users.User], name: str, password: str, how: str
    ) -> tuple[users.User | None, bool]:
        """The user ``name`` and ``password`` sign in as (None when wrong), and whether the
        attempt was refused unchecked for this pair's (or address's) failures."""
        address = _address()
        pair_failures = self.store.failures(PER_PAIR, "pair", name, address)
        limited = pair_failures >= PER_PAIR.amount or (
            # An address spraying many names: each pair it already failed waits; a pair
            # that has not failed (a teammate at a shared address) is still checked. Unknown
            # names are treated alike, so a refusal never says whether a name exists.
            pair_failures > 0
            and self.store.failures(PER_ADDRESS, "address", address) >= PER_ADDRESS.amount
        )
        if limited:
            log.warning(
                "sign-in refused, too many failures: user %r from %s", _shown(name), address
            )
            return None, True
        user = known.get(name)
        if users.verify_password(user, password):
            return user, False
        self.store.fail(("pair", name, address), ("address", address))
        log.warning("failed sign-in (%s): user %r from %s", how, _shown(name), address)
        return None, False

    # -- the pages -----------------------------------------------------------------------

    def signin(self) -> Response | tuple[str, int]:
        target = _safe_next(flask.request.values.get("next", "/"))
        if flask.request.method == "GET":
            return _signin_page(target, ""), 200
        if not _same_site():
            return _signin_page(target, "Sign-in refused: the form came from another site."), 403
        name = flask.request.form.get("name", "")
        password = flask.request.form.get("password", "")
        user, limited = self._password_user(self.users(), name, password, "form")
        if limited:
            page = _signin_page(target, "Too many failed sign-ins: wait a minute and retry.")
            return page, 429
        if user is None:
            return _signin_page(target, "Wrong user name or password."), 401
        session_id = secrets.token_urlsafe(32)
        self.store.open_session(session_id, user.name, SESSION_DAYS * 86400)
        flask.session.clear()
        flask.session.permanent = True
        flask.session["user"], flask.session["fp"] = user.name, user.fingerprint
        flask.session["sid"] = session_id
        log.info("signed in: user %r from %s", user.name, flask.request.remote_addr)
        return flask.redirect(target, 303)

    def signout(self) -> Response | tuple[str, int]:
        if not _same_site():
            return "Sign-out refused: the form came from another site.", 403
        session_id = flask.session.get("sid")
        if isinstance(session_id, str):
            # Ended on the server: every copy of this cookie stops working, on every worker.
            self.store.close_session(session_id)
        flask.session.clear()
        return flask.redirect(SIGNIN, 303)


def install(server: flask.Flask, config: WarehouseConfig, *, secure_cookie: bool = True) -> None:
    """Put sign-in in front of every route of ``server``."""
    server.secret_key = users.secret_key(config)
    server.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Chromium and Firefox keep a Secure cookie on http://localhost and 127.0.0.1 too.
        SESSION_COOKIE_SECURE=secure_cookie,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(days=SESSION_DAYS),
    )
    guard = Guard(config)
    server.extensions["costboard_auth"] = guard
    server.add_url_rule(SIGNIN, "signin", guard.signin, methods=["GET", "POST"])
    server.add_url_rule(SIGNOUT, "signout", guard.signout, methods=["POST"])
    # First of all hooks: Dash's own must not answer a request that sign-in refuses.
    server.before_request_funcs.setdefault(None, []).insert(0, guard.check)
    # Inserted first, so it runs before sign-in: a foreign Host gets a 400, not a redirect.
    hosts.install(server)
    for logger in (log, hosts.log):
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(
                logging.Formatter("[%(asctime)s] [%(process)d] [auth] %(message)s")
            )
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)


def signed_in_user() -> str | None:
    """The user this request is signed in as (None when sign-in is off or outside a request)."""
    if not flask.has_request_context():
        return None
    return flask.g.get("costboard_user")


def _address() -> str:
    """The client's address: the peer's, or X-Forwarded-For's when proxies are trusted."""
    return flask.request.remote_addr or "unknown"


def _shown(name: str | None) -> str:
    """A user name as the log shows it (%r escapes control characters; long ones cut)."""
    return "(bearer token)" if name is None else name[:64]


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _refuse(path: str) -> Response:
    if _is_api(path):
        return _api_refusal("sign-in required: HTTP basic auth or a bearer token", 401)
    request = flask.request
    is_page = not path.startswith(("/_", "/assets/", "/static/"))
    if request.method in ("GET", "HEAD") and is_page:
        # The path as a URI again (werkzeug decoded it), so that ``next`` is in URI characters.
        wanted = iri_to_uri(request.full_path.rstrip("?") if request.query_string else path)
        return flask.redirect(f"{SIGNIN}?next={quote(wanted, safe='/')}", 302)
    answer = flask.jsonify({"error": "sign-in required"})
    answer.status_code = 401
    return answer


def _api_refusal(message: str, status: int) -> Response:
    answer = flask.jsonify({"error": message})
    answer.status_code = status
    answer.headers["WWW-Authenticate"] = 'Basic realm="costboard", charset="UTF-8"'
    return answer


def _same_site() -> bool:
    """The form was posted from a page of this host (Origin, else Referer, names it)."""
    request = flask.request
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    return bool(sent) and urlsplit(sent).netloc == request.host


def _safe_next(target: str) -> str:
    """Only a path on this site, as a browser will read it: anything else (``//host``,
    ``/\\host``, ``/<TAB>/host``, ``https://...``, ``javascript:``) is ``/``. CR or LF is a 400:
    it can only be an attempt to split the ``Location`` header."""
    if "\r" in target or "\n" in target:
        flask.abort(400, "next: a line break in the page to return to")
    return target if _SAME_SITE_PATH.fullmatch(target) else "/"


def _signin_page(target: str, error: str) -> str:
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return _PAGE.format(next=html.escape(target, quote=True), message=message)


# Inline style: the page must show before sign-in, and every asset of the app needs it.
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · costboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; background: #f5f6f8; color: #1d2330; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem;
       border: 1px solid #d8dce3; border-radius: 8px; }}
h1 {{ font-size: 1.3rem; margin: 0 0 1.2rem; }}
label {{ display: block; margin: 0.8rem 0 0.3rem; font-size: 0.9rem; }}
input {{ width: 100%; box-sizing: border-box; padding: 0.5rem; font-size: 1rem; }}
button {{ margin-top: 1.2rem; width: 100%; padding: 0.6rem; font-size: 1rem; }}
.error {{ color: #a4161a; }}
</style></head>
<body><main><h1>costboard</h1>{message}
<form method="post" action="/signin">
<input type="hidden" name="next" value="{next}">
<label for="name">User name</label>
<input id="name" name="name" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="signin">Sign in</button>
</form></main></body></html>
"""
