"""How a catalog written by a user becomes DuckLake's catalog string and a password kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.warehouse.catalog import Catalog, CatalogError, parse, redacted
from costboard.warehouse.config import WarehouseConfig


@pytest.mark.parametrize(
    ("written", "catalog", "password"),
    [
        (
            "postgresql://alice:s3cr%40t@db.example.org:5433/costboard?sslmode=require",
            "postgres:host=db.example.org port=5433 user=alice dbname=costboard sslmode=require",
            "s3cr@t",
        ),
        ("postgres://bob@db/team", "postgres:host=db user=bob dbname=team", None),
        (
            "postgresql:///costboard?host=/var/run/postgresql",
            "postgres:dbname=costboard host=/var/run/postgresql",
            None,
        ),
        ("postgresql://[::1]:5432/db", "postgres:host=::1 port=5432 dbname=db", None),
        ("postgresql://h1:5432,h2:5433/db", "postgres:host=h1,h2 port=5432,5433 dbname=db", None),
        ("postgresql://u@h/db?password=pw", "postgres:host=h user=u dbname=db", "pw"),
        (
            "postgres:dbname=costboard host=db user=u password='a b\\'c'",
            "postgres:dbname=costboard host=db user=u",
            "a b'c",
        ),
        ("postgres:dbname=costboard host=db", "postgres:dbname=costboard host=db", None),
        (
            "postgresql://u@h/my%20db?application_name=cost%20board",
            "postgres:host=h user=u dbname='my db' application_name='cost board'",
            None,
        ),
    ],
)
def test_postgres_urls_and_keyword_strings_become_keyword_strings_without_the_password(
    written: str, catalog: str, password: str | None
) -> None:
    assert parse(written) == Catalog(catalog, password)


def test_a_sqlite_path_is_made_absolute_so_a_server_started_elsewhere_reads_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse("sqlite:team/catalog.sqlite").text == f"sqlite:{tmp_path}/team/catalog.sqlite"
    assert parse("/srv/catalog.ducklake").text == "/srv/catalog.ducklake"


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("mysql://root:hunter2@db/costboard", "the scheme mysql:// is not one costboard knows"),
        ("postgresql://u:hunter2@db:fivefour/costboard", "has a port that is not a number"),
        ("postgres:dbname=x password='hunter2", "at character 19"),
        ("sqlite:", "names no file"),
    ],
)
def test_an_unreadable_catalog_is_refused_naming_the_forms_and_never_the_password(
    written: str, says: str
) -> None:
    with pytest.raises(CatalogError) as raised:
        parse(written)
    assert says in str(raised.value)
    assert "hunter2" not in str(raised.value)
    assert "postgresql://user@host:5432/db" in str(raised.value)


def test_redacted_hides_url_and_keyword_passwords() -> None:
    assert redacted("postgresql://alice:pw@h/db") == "postgresql://alice:***@h/db"
    assert (
        redacted("postgres:dbname=x password='a b' user=u")
        == "postgres:dbname=x password=*** user=u"
    )


def test_the_password_stays_out_of_the_config_text_and_its_repr(tmp_path: Path) -> None:
    config = WarehouseConfig.resolve(tmp_path, "postgresql://alice:hunter2@db/costboard", "/srv/d/")
    assert config.catalog == "postgres:host=db user=alice dbname=costboard"
    assert config.catalog_password == "hunter2"
    assert "hunter2" not in repr(config) and "hunter2" not in repr(
        parse("postgres://a:hunter2@h/d")
    )
    # A child process resolves the same config, password included, from the environment.
    environment = config.environment()
    again = WarehouseConfig.resolve(
        environment["COSTBOARD_HOME"],
        environment["COSTBOARD_CATALOG"],
        environment["COSTBOARD_DATA_PATH"],
    )
    assert (again, again.catalog_password) == (config, "hunter2")


def test_catalog_comes_from_the_option_before_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_CATALOG", f"sqlite:{tmp_path}/from-env.sqlite")
    assert WarehouseConfig.resolve(tmp_path).catalog == f"sqlite:{tmp_path}/from-env.sqlite"
    chosen = WarehouseConfig.resolve(tmp_path, f"sqlite:{tmp_path}/option.sqlite", "s3://b/p/")
    assert (chosen.catalog, chosen.data_path) == (f"sqlite:{tmp_path}/option.sqlite", "s3://b/p/")


def test_the_cli_refuses_an_unreadable_catalog_as_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path), "--catalog", "mongodb://u:hunter2@h/db", "log"]
    )
    assert result.exit_code == 2
    assert "the scheme mongodb:// is not one costboard knows" in result.output
    assert "hunter2" not in result.output


def test_the_cli_catalog_and_data_path_options_choose_where_init_writes(tmp_path: Path) -> None:
    catalog, data = tmp_path / "elsewhere" / "team.sqlite", tmp_path / "parquet"
    catalog.parent.mkdir()
    arguments = ["--home", str(tmp_path / "home"), "--catalog", f"sqlite:{catalog}"]
    result = CliRunner().invoke(main, [*arguments, "--data-path", f"{data}/", "init"])
    assert result.exit_code == 0, result.output
    assert catalog.exists() and data.is_dir()
    assert not (tmp_path / "home" / "catalog.sqlite").exists()


def test_a_postgres_catalog_has_no_default_data_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COSTBOARD_DATA_PATH", raising=False)
    with pytest.raises(CatalogError, match="a PostgreSQL catalog needs its data path"):
        WarehouseConfig.resolve(tmp_path, "postgresql://alice@db/costboard")
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path), "--catalog", "postgres:dbname=costboard host=db", "init"]
    )
    assert result.exit_code == 2 and "COSTBOARD_DATA_PATH" in result.output
    assert not (tmp_path / "data").exists()
    monkeypatch.setenv("COSTBOARD_DATA_PATH", "/mnt/team/data/")
    assert WarehouseConfig.resolve(tmp_path, "postgres://db/c").data_path == "/mnt/team/data/"
