"""Load DuckDB extensions from the installed PyPI wheels, never from the network.

DuckDB's extension server is out of reach offline, so every extension costboard needs ships
as a wheel pinned to the exact DuckDB version (``duckdb-extension-ducklake==1.5.5`` ...).
Connections are opened with auto-install and auto-load off and each extension is loaded from
the wheel's file by path, so nothing ever tries to download one.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import duckdb

#: Settings every costboard connection starts with.
OFFLINE_CONFIG: dict[str, str | bool] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

#: The wheel package that carries each extension.
WHEEL_PACKAGES: dict[str, str] = {
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "httpfs": "duckdb_extension_httpfs",
}


class ExtensionNotInstalled(RuntimeError):
    pass


@cache
def extension_file(name: str) -> Path:
    """The ``.duckdb_extension`` file for ``name`` inside its wheel, for this DuckDB version."""
    package = WHEEL_PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionNotInstalled(
            f"the DuckDB extension {name!r} is not installed: pip install "
            f"{package.replace('_', '-')}=={duckdb.__version__}"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    wanted = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not wanted.exists():
        found = sorted(p.parent.name for p in root.glob("extensions/*/*.duckdb_extension"))
        raise ExtensionNotInstalled(
            f"the {name!r} extension wheel is built for DuckDB {', '.join(found) or '?'}, "
            f"not v{duckdb.__version__}: pin both to the same version"
        )
    return wanted


def load(connection: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Load each named extension into ``connection`` from its wheel file."""
    for name in names:
        connection.execute(f"LOAD '{extension_file(name)}'")


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal, for the statements that take no parameters (ATTACH,
    CREATE SECRET, SET)."""
    return "'" + text.replace("'", "''") + "'"


def connect_offline(database: str = ":memory:", **config: str | bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that cannot install or auto-load anything."""
    connection = duckdb.connect(database, config={**OFFLINE_CONFIG, **config})
    # costboard draws its own progress; DuckDB's would interleave with it on the terminal.
    connection.execute("SET enable_progress_bar = false")
    return connection
