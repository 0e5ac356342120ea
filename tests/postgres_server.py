"""A real, throwaway PostgreSQL server for tests of the team set-up (a PostgreSQL catalog).

Started from Debian's postgresql binaries (``make test`` installs them) in a temporary folder,
listening only on a Unix socket, and stopped at the end of the session.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package creates the `postgres` user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def throwaway(prefix: str, port: int = 55433) -> Iterator[str]:
    """A server in a fresh temporary folder, removed afterwards (skips, or fails in CI, when
    PostgreSQL is not installed). Not under pytest's tmp folder: that is private to root, and
    the server runs as ``postgres``."""
    from tests import system

    system.require(binaries() is not None, "PostgreSQL", "run `make system-deps` (postgresql)")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with running(folder, port) as dsn:
            yield dsn
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def running(folder: Path, port: int = 55433) -> Iterator[str]:
    """Start a server; yields a libpq connection string for a fresh database `costboard`."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL binaries not found: apt-get install postgresql")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    run = lambda *args: subprocess.run(_as_server_user(list(args)), check=True, capture_output=True)  # noqa: E731
    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(folder / "log"),
        "-w",
        "-o",
        f"-k {folder} -p {port} -c listen_addresses=''",
        "start",
    )
    try:
        run(
            str(bin_dir / "createdb"),
            "-h",
            str(folder),
            "-p",
            str(port),
            "-U",
            "postgres",
            "costboard",
        )
        yield f"dbname=costboard host={folder} port={port} user=postgres"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
