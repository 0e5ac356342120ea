"""Which ``Host`` names the dashboard answers to, and whose ``X-Forwarded-For`` it believes.

**Allowed hosts.** A request whose ``Host`` header is not an allowed name (any port) gets a
400 before any other hook or route sees it, ``/healthz`` included. This defeats DNS
rebinding: a web page the user visits points its own name at 127.0.0.1, and its script's
requests then reach a localhost dashboard, but carry the page's name as their Host. Allowed:
``localhost``, ``127.0.0.1``, ``[::1]``, the address ``costboard serve`` is bound to, and the
names in ``COSTBOARD_ALLOWED_HOSTS`` (comma-separated) or ``serve --allowed-host NAME``.

Why not Flask's ``TRUSTED_HOSTS``: with werkzeug 3.1 it cannot match an IPv6 literal (it
cuts ``[::1]`` at its first colon), compares case-sensitively, and Flask applies it only
when it routes, after the ``before_request`` hooks, so the sign-in redirect would answer a
foreign Host first. The check here is one allow-list, first of all hooks.

**Trusted proxies.** Behind a reverse proxy every request comes from the proxy's address.
With ``COSTBOARD_TRUSTED_PROXIES=N`` (or ``serve --proxies N``), werkzeug's ``ProxyFix``
takes the client's address (and scheme) from the last N entries of ``X-Forwarded-For``
(``X-Forwarded-Proto``), which those N proxies append; by default the headers are ignored,
since any client can send them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping

import flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

ALLOWED_HOSTS_ENV = "COSTBOARD_ALLOWED_HOSTS"
TRUSTED_PROXIES_ENV = "COSTBOARD_TRUSTED_PROXIES"
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
#: More proxies than this in front of one dashboard is a typo.
MAX_PROXIES = 8

# A Host header: a DNS name or IPv4 address, or an IPv6 literal in brackets; then a port.
_HOST = re.compile(r"(?P<name>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?", re.IGNORECASE)
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")


class HostError(ValueError):
    """An allowed-host name or a proxy count costboard cannot use."""


def canonical(name: str) -> str:
    """``name`` as the check compares it: lower case, an IPv6 address in brackets in its
    short form. Raises :class:`HostError` for anything that is not a host name or address."""
    bare = name.strip().lower()
    unbracketed = bare[1:-1] if bare.startswith("[") and bare.endswith("]") else bare
    try:
        address = ipaddress.ip_address(unbracketed)
    except ValueError:
        address = None
    if address is not None:
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    if not _NAME.fullmatch(bare) or len(bare) > 253:
        raise HostError(
            f"not a host name or address: {name!r} (give a name such as costboard.internal, "
            "or an address, without a port or scheme)"
        )
    return bare


def allowed_hosts(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The defaults and ``COSTBOARD_ALLOWED_HOSTS``, each checked."""
    given = [n for n in environ.get(ALLOWED_HOSTS_ENV, "").split(",") if n.strip()]
    try:
        return frozenset(canonical(n) for n in (*DEFAULT_HOSTS, *given))
    except HostError as error:
        raise HostError(f"{ALLOWED_HOSTS_ENV} or --allowed-host: {error}") from None


def trusted_proxies(environ: Mapping[str, str] = os.environ) -> int:
    """``COSTBOARD_TRUSTED_PROXIES``: how many proxies append to X-Forwarded-For (0: none)."""
    text = environ.get(TRUSTED_PROXIES_ENV, "").strip() or "0"
    if not text.isdigit() or int(text) > MAX_PROXIES:
        raise HostError(
            f"{TRUSTED_PROXIES_ENV}={text!r}: give the number of reverse proxies in front "
            f"of the dashboard, 0 to {MAX_PROXIES} (0, the default, ignores X-Forwarded-For)"
        )
    return int(text)


def host_allowed(header: str | None, allowed: frozenset[str]) -> bool:
    match = _HOST.fullmatch(header or "")
    if match is None:
        return False
    try:
        return canonical(match["name"]) in allowed
    except HostError:
        return False


def install(server: flask.Flask) -> None:
    """Check every request's Host first of all, and trust the configured proxies."""
    allowed = allowed_hosts()
    proxies = trusted_proxies()

    def check_host() -> Response | None:
        header = flask.request.headers.get("Host")
        if host_allowed(header, allowed):
            return None
        # %r escapes control characters; the name is cut so a long one cannot flood the log.
        log.warning("refused a request for Host %r: not an allowed name", (header or "")[:100])
        return Response(
            "400 Bad Request: this server does not answer to that host name. Its operator "
            f"can allow one with `costboard serve --allowed-host NAME` or {ALLOWED_HOSTS_ENV}.\n",
            400,
            mimetype="text/plain",
        )

    server.before_request_funcs.setdefault(None, []).insert(0, check_host)
    if proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
