"""costboard.cli.migrate_command: where ``--to`` and ``--data-path`` point the target. (The
migration itself, and its refusals, are tests/warehouse/test_migrate.py.)"""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from costboard.cli.migrate_command import _target
from costboard.warehouse.config import WarehouseConfig


@pytest.fixture
def source(tmp_path: Path) -> WarehouseConfig:
    return WarehouseConfig.resolve(tmp_path / "home")


def test_a_sqlite_target_gets_a_data_folder_beside_its_file(
    source: WarehouseConfig, tmp_path: Path
) -> None:
    target = _target(source, f"sqlite:{tmp_path}/team/catalog.sqlite", None)
    assert target.catalog == f"sqlite:{tmp_path}/team/catalog.sqlite"
    assert target.data_path == f"{tmp_path}/team/data/"
    assert target.home == source.home  # the source's home: its lock, its cache


def test_a_data_path_given_is_the_targets(source: WarehouseConfig, tmp_path: Path) -> None:
    target = _target(source, f"sqlite:{tmp_path}/c.sqlite", "s3://bucket/lake/")
    assert target.data_path == "s3://bucket/lake/"


def test_a_server_catalog_without_a_data_path_is_a_usage_error(source: WarehouseConfig) -> None:
    with pytest.raises(click.UsageError, match=r"^--data-path is needed with a server catalog"):
        _target(source, "postgresql://team@db.example.org:5432/costboard", None)


def test_a_password_in_the_url_is_kept_apart_from_the_catalog_text(
    source: WarehouseConfig, tmp_path: Path
) -> None:
    target = _target(source, "postgresql://team:s3cret@db.example.org/costboard", str(tmp_path))
    assert "s3cret" not in target.catalog and target.catalog_password == "s3cret"


def test_a_catalog_it_cannot_read_is_a_bad_to(source: WarehouseConfig) -> None:
    with pytest.raises(click.BadParameter) as refused:
        _target(source, "mysql://somewhere/db", None)
    assert refused.value.param_hint == "--to"
