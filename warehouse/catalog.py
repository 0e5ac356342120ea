"""What users write for a catalog, read into DuckLake's catalog string and a separate password.

Accepted (through ``COSTBOARD_CATALOG`` or ``--catalog``):

- ``postgresql://user[:password]@host[:port]/db[?options]`` (or ``postgres://``), the URL every
  PostgreSQL user writes; the options are libpq's (``sslmode=require``, ``host=/run/pg``).
- ``postgres:dbname=db host=h port=5432 user=u [password=p]``, libpq's keyword form, which is
  DuckLake's own syntax.
- ``sqlite:PATH`` (the embedded default) and a bare ``PATH`` (a DuckDB-file catalog).

The password is taken out of the catalog string and kept apart. The string DuckDB attaches
shows up in ``duckdb_databases()`` (which the dashboard's SQL page can read) and in DuckDB's
connection errors, so it must never hold a secret; :mod:`costboard.warehouse.lake` hands the
password to DuckDB as a temporary postgres secret instead, whose value DuckDB redacts. Without
one, libpq still reads ``PGPASSWORD`` and ``~/.pgpass`` (or ``PGPASSFILE``) itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

URL_SCHEMES = ("postgresql", "postgres")

#: What the accepted forms look like, for error messages.
FORMS = (
    "postgresql://user@host:5432/db, postgres:dbname=db host=h user=u, "
    "or sqlite:/path/to/catalog.sqlite"
)

# One libpq keyword=value pair; a value is bare, or single-quoted with \' and \\ escapes.
_KEYWORD = re.compile(r"\s*(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Catalog:
    """A catalog as DuckLake attaches it (``text``, never with a password) and its password."""

    text: str
    password: str | None = None

    def __repr__(self) -> str:  # never print the password, even in a traceback's locals
        hidden = ", password=***" if self.password else ""
        return f"Catalog({self.text!r}{hidden})"


def parse(written: str) -> Catalog:
    """Read a catalog as a user wrote it; raises :class:`CatalogError` naming the forms."""
    text = written.strip()
    scheme, sep, rest = text.partition(":")
    if sep and rest.startswith("//"):
        if scheme.lower() not in URL_SCHEMES:
            raise CatalogError(
                f"cannot use the catalog {redacted(text)!r}: the scheme {scheme}:// is not "
                f"one costboard knows; write {FORMS}"
            )
        return _from_url(text)
    if scheme == "postgres" and sep:
        return _from_keywords(rest)
    if scheme == "sqlite" and sep:
        if not rest:
            raise CatalogError(f"the catalog 'sqlite:' names no file; write {FORMS}")
        return Catalog(f"sqlite:{Path(rest).expanduser().resolve()}")
    return Catalog(text)


def redacted(text: str) -> str:
    """``text`` with any password in a URL's user part or a ``password=`` keyword hidden."""
    text = re.sub(r"(://[^:/@?#]*):[^@/?#]*@", r"\1:***@", text)
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text, flags=re.I)


def quote(value: str) -> str:
    """A libpq keyword value, quoted when it must be."""
    if value and not re.search(r"[\s'\\]", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _keywords(pairs: dict[str, str]) -> str:
    return " ".join(f"{key}={quote(value)}" for key, value in pairs.items())


def _from_url(url: str) -> Catalog:
    parts = urlsplit(url)
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    if not at:
        userinfo, hostinfo = "", parts.netloc
    user, has_password, password = userinfo.partition(":")
    pairs: dict[str, str] = {}
    hosts, ports = _hosts_and_ports(unquote(hostinfo), url)
    if hosts:
        pairs["host"] = hosts
    if ports:
        pairs["port"] = ports
    if user:
        pairs["user"] = unquote(user)
    if parts.path.strip("/"):
        pairs["dbname"] = unquote(parts.path.lstrip("/"))
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    secret = unquote(password) if has_password else options.pop("password", None)
    pairs.update(options)
    return Catalog("postgres:" + _keywords(pairs), secret or None)


def _hosts_and_ports(hostinfo: str, url: str) -> tuple[str, str]:
    """libpq's ``host`` and ``port`` lists from a URL's ``h1:p1,h2:p2`` part."""
    hosts, ports = [], []
    for entry in filter(None, hostinfo.split(",")):
        if entry.startswith("["):  # [IPv6]:port
            host, _, after = entry[1:].partition("]")
            port = after.removeprefix(":")
        else:
            host, _, port = entry.partition(":")
        if port and not port.isdigit():
            raise CatalogError(
                f"the catalog {redacted(url)!r} has a port that is not a number; write {FORMS}"
            )
        hosts.append(host)
        ports.append(port)
    return ",".join(hosts), ",".join(ports) if any(ports) else ""


def _from_keywords(conninfo: str) -> Catalog:
    pairs: dict[str, str] = {}
    position = 0
    while position < len(conninfo.rstrip()):
        match = _KEYWORD.match(conninfo, position)
        if match is None or match.end() == position:
            raise CatalogError(
                f"cannot read the catalog 'postgres:{redacted(conninfo)}' at character "
                f"{position + 1}: write key=value pairs ({FORMS})"
            )
        key, value = match.group(1), match.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        pairs[key] = value
        position = match.end()
    password = pairs.pop("password", None)
    return Catalog("postgres:" + _keywords(pairs), password or None)
