"""Nothing needs the internet: extensions load from the installed wheels, with no network at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from costboard.warehouse import extensions, lake
from costboard.warehouse.config import WarehouseConfig
from tests import system

pytestmark = pytest.mark.catalogs

REPO = Path(__file__).resolve().parents[2]


def test_connections_cannot_install_or_autoload_extensions(
    config: WarehouseConfig, catalog_kind: str
) -> None:
    with lake.connect(config) as connection:
        settings = dict(
            connection.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('autoinstall_known_extensions', 'autoload_known_extensions')"
            ).fetchall()
        )
        loaded = dict(
            connection.execute(
                "SELECT extension_name, install_path FROM duckdb_extensions() WHERE loaded"
            ).fetchall()
        )
    assert settings == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }
    # The catalog's own extension is loaded from its wheel too.
    catalog_extension = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}[catalog_kind]
    assert "ducklake" in loaded and catalog_extension in loaded


def test_extension_files_come_from_wheels_built_for_this_duckdb() -> None:
    for name in ("ducklake", "sqlite_scanner", "postgres_scanner"):
        path = extensions.extension_file(name)
        assert f"v{duckdb.__version__}" in str(path) and "site-packages" in str(path)


def test_init_ingest_and_query_work_with_no_network_and_an_empty_home(
    tmp_path: Path, home: Path
) -> None:
    """In a network namespace with no interfaces up and a HOME with no ~/.duckdb, any attempt to
    download or find an extension elsewhere would fail. (A PostgreSQL catalog is reached over
    its Unix socket, a file, which the namespace leaves alone.)"""
    empty_home = tmp_path / "user"
    empty_home.mkdir()
    claims = tmp_path / "s.csv"
    claims.write_text("subject,kind\nm1,model\n")
    script = (
        f"{sys.executable} -m costboard.cli --home {home} init && "
        f"{sys.executable} -m costboard.cli --home {home} ingest {claims} -m offline && "
        f"{sys.executable} -m costboard.cli --home {home} sql 'SELECT count(*) AS n FROM subjects' --format csv"
    )
    result = subprocess.run(
        [*system.network_namespace_prefix(), "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(empty_home)},
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("n\n1")
    assert not (empty_home / ".duckdb").exists()
