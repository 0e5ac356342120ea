"""A real, throwaway PostgreSQL server for tests of the team set-up (a PostgreSQL catalog).

Started from Debian's postgresql binaries (``make test`` installs them) in a temporary folder
and stopped at the end. It always listens on a Unix socket in that folder, where any local
user is trusted; given a password, it also listens on 127.0.0.1 (the same port number) and
asks for that password there (scram-sha-256), so a ``postgresql://user:password@127.0.0.1``
URL, ``PGPASSWORD`` and a ``.pgpass`` file are tested for real.

Durability is off (``fsync``, ``full_page_writes``, ``synchronous_commit``): a test server
that loses its data in a power cut loses nothing, and ``CREATE DATABASE`` and commits get much
faster. What a client sees (transactions, locks, conflicts) is unchanged.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The role every test connects as (initdb's superuser).
USER = "postgres"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package creates the `postgres` user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server(str):
    """A running server. As a string it is the libpq connection string of its database
    ``costboard`` (what :func:`running` has always yielded, so ``f"postgres:{server}"`` is a
    catalog); the attributes and methods reach the rest of it."""

    folder: Path
    port: int
    password: str | None
    bin_dir: Path

    def __new__(cls, folder: Path, port: int, password: str | None, bin_dir: Path) -> Server:
        server = super().__new__(cls, dsn_for("costboard", folder, port))
        server.folder, server.port, server.password, server.bin_dir = (
            folder,
            port,
            password,
            bin_dir,
        )
        return server

    @property
    def tcp_port(self) -> int:
        """Where it listens on 127.0.0.1 with password authentication (given a password)."""
        if self.password is None:
            raise RuntimeError(
                "this server listens on its Unix socket only: start it with a password"
            )
        return self.port

    def dsn(self, dbname: str = "costboard") -> str:
        """libpq's keyword string for ``dbname`` over the Unix socket (no password needed)."""
        return dsn_for(dbname, self.folder, self.port)

    def url(self, dbname: str) -> str:
        """``postgresql://postgres:PASSWORD@127.0.0.1:PORT/dbname``, over TCP with the password."""
        password = urllib.parse.quote(self.password or "", safe="")
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.tcp_port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run ``sql`` through psql over the socket; its output, unaligned and tuples only."""
        found = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                *("-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"),
                *("-h", str(self.folder), "-p", str(self.port), "-U", USER, "-d", dbname),
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return found.stdout

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); returns its libpq string.

        A copy by template takes milliseconds; the template must have no connections.
        """
        copy_of = f" TEMPLATE {_ident(template)} STRATEGY FILE_COPY" if template else ""
        self.psql(f"CREATE DATABASE {_ident(name)}{copy_of}")
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, ending any connection still open to it."""
        self.psql(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")

    def freeze_as_template(self, name: str) -> None:
        """Make ``name`` a template no one connects to any more, so copies of it can be made."""
        self.psql(f"ALTER DATABASE {_ident(name)} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true")
        self.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )

    def dump(self, dbname: str) -> str:
        """Every table's rows of ``dbname`` as pg_dump writes them (to look for a secret)."""
        return subprocess.run(
            [
                str(self.bin_dir / "pg_dump"),
                *("-h", str(self.folder), "-p", str(self.port), "-U", USER, dbname),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def comparable_dump(self, dbname: str) -> str:
        """:meth:`dump` without its ``\\restrict`` lines, whose random key is new in every dump
        (pg_dump's fix for CVE-2025-8714): two dumps of an unchanged database are equal."""
        lines = self.dump(dbname).splitlines()
        return "\n".join(line for line in lines if not re.match(r"\\(un)?restrict ", line))


def dsn_for(dbname: str, folder: Path, port: int) -> str:
    return f"dbname={dbname} host={folder} port={port} user={USER}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def throwaway(prefix: str, port: int = 55433, *, password: str | None = None) -> Iterator[Server]:
    """A server in a fresh temporary folder, removed afterwards (skips, or fails in CI, when
    PostgreSQL is not installed). Not under pytest's tmp folder: that is private to root, and
    the server runs as ``postgres``. With ``password``, it listens on 127.0.0.1:``port`` too
    (pass :func:`free_port`), where it asks for that password."""
    from tests import system

    system.require(binaries() is not None, "PostgreSQL", "run `make system-deps` (postgresql)")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with running(folder, port, password=password) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def running(folder: Path, port: int = 55433, *, password: str | None = None) -> Iterator[Server]:
    """Start a server with a fresh database ``costboard``; yields it (as a string: the libpq
    connection string of that database)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL binaries not found: apt-get install postgresql")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    run = lambda *args: subprocess.run(_as_server_user(list(args)), check=True, capture_output=True)  # noqa: E731
    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER)
    if password is not None:
        # The socket stays trusted (the tests' own set-up goes through it); TCP asks.
        (data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8"
        )
    listen = "127.0.0.1" if password is not None else "''"
    options = (
        f"-k {folder} -p {port} -c listen_addresses={listen} -c max_connections=300"
        " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    )
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(folder / "log"),
        "-w",
        "-o",
        options,
        "start",
    )
    try:
        server = Server(folder, port, password, bin_dir)
        if password is not None:
            quoted = password.replace("'", "''")
            server.psql(f"ALTER ROLE {USER} PASSWORD '{quoted}'")
        server.create_database("costboard")
        yield server
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
