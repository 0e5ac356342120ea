"""Shared fixtures: fresh warehouses in temporary homes, and the CLI runner.

The warehouse, estimate and API suites run on both catalog kinds: the embedded SQLite catalog
and a PostgreSQL server's (the team set-up). A module (``pytestmark``) or a test marked
``catalogs`` runs each test that uses a warehouse fixture (``home``, ``config``,
``demo_config``, ``cli``, ``dashboard_config``) twice, with ids ``[sqlite]`` and
``[postgres]``; ``sqlite_only(reason)`` keeps a test about the SQLite catalog itself on SQLite.

PostgreSQL warehouses live on one throwaway server per session (:mod:`tests.postgres_server`).
The empty and demo warehouses are built once per catalog kind; a test gets its own copy: for
SQLite a copy of the template's home, for PostgreSQL ``CREATE DATABASE ... TEMPLATE``
(milliseconds) and a copy of the home with its data folder (the lake is relocatable: costboard
attaches with OVERRIDE_DATA_PATH). A PostgreSQL-kind test also has COSTBOARD_CATALOG and
COSTBOARD_DATA_PATH set to its warehouse, so ``--home`` alone, ``WarehouseConfig.resolve`` and
the processes the test starts all reach that warehouse.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from costboard.cli import main
from costboard.warehouse import schema
from costboard.warehouse.config import WarehouseConfig
from tests import postgres_server as pg
from tests.browser.support import add_history, dashboard_home

REPO = Path(__file__).resolve().parent.parent

#: The catalog kinds a ``catalogs``-marked test runs on.
CATALOG_KINDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "catalogs: run once per catalog kind (SQLite, PostgreSQL): see conftest.py"
    )
    config.addinivalue_line(
        "markers", "sqlite_only(reason): about the SQLite catalog itself, so SQLite only"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if (
        "catalog_kind" in metafunc.fixturenames
        and definition.get_closest_marker("catalogs") is not None
        and definition.get_closest_marker("sqlite_only") is None
    ):
        # Module scope: a module's tests run grouped by kind, and its module-scoped
        # fixtures (an app on the dashboard warehouse) are made once per kind.
        metafunc.parametrize("catalog_kind", CATALOG_KINDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def catalog_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres``: the catalog this test's warehouses use (SQLite unless the
    test is marked ``catalogs``)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg.Server]:
    """The session's throwaway PostgreSQL server: a Unix socket (trusted) and 127.0.0.1 on
    ``tcp_port`` with ``password`` (scram-sha-256) for the ``postgres`` role."""
    password = secrets.token_urlsafe(12)
    with pg.throwaway("costboard-pg-tests-", pg.free_port(), password=password) as server:
        yield server


_database_numbers = itertools.count()


def new_database_name(prefix: str = "t") -> str:
    return f"{prefix}{next(_database_numbers)}_{os.getpid()}"


@pytest.fixture
def postgres_dsn(postgres_server: pg.Server) -> Iterator[str]:
    """A fresh, empty database of this test's own on the session's server, as libpq's keyword
    string (``postgres:`` + it is a catalog); dropped afterwards."""
    name = new_database_name("d")
    yield postgres_server.create_database(name)
    postgres_server.drop_database(name)


class Templates:
    """The empty and demo warehouses, built once per catalog kind in a session."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request
        self._built: dict[tuple[str, str], tuple[Path, str | None]] = {}

    def get(self, kind: str, name: str) -> tuple[Path, str | None]:
        """(the template's home, its PostgreSQL database or None for SQLite)."""
        if (kind, name) not in self._built:
            self._built[kind, name] = self._build(kind, name)
        return self._built[kind, name]

    def _build(self, kind: str, name: str) -> tuple[Path, str | None]:
        fixture = {"empty": "empty_home_template", "demo": "demo_home_template"}[name]
        if kind == "sqlite":
            return self._request.getfixturevalue(fixture), None
        server: pg.Server = self._request.getfixturevalue("postgres_server")
        database = f"template_{name}"
        home = self._request.getfixturevalue("tmp_path_factory").mktemp(f"pg-{name}") / "home"
        config = postgres_config(server, database, home, create=True)
        if name == "empty":
            schema.create(config, author="tests")
        else:
            result = CliRunner().invoke(main, [*cli_options(config), "init", "--demo"])
            assert result.exit_code == 0, result.output
        server.freeze_as_template(database)
        return home, database


@pytest.fixture(scope="session")
def templates(request: pytest.FixtureRequest) -> Templates:
    return Templates(request)


def postgres_config(
    server: pg.Server, database: str, home: Path, *, create: bool, template: str | None = None
) -> WarehouseConfig:
    """The configuration of a warehouse in ``database`` with its data under ``home``."""
    if create:
        server.create_database(database, template=template)
    return WarehouseConfig.resolve(
        home, catalog=f"postgres:{server.dsn(database)}", data_path=f"{home}/data/"
    )


def sqlite_config(home: Path) -> WarehouseConfig:
    """The default (SQLite) warehouse at ``home``, whatever the environment says: a template
    may first be asked for inside a PostgreSQL-kind test, whose environment names its own."""
    return WarehouseConfig.resolve(
        home, catalog=f"sqlite:{home}/catalog.sqlite", data_path=f"{home}/data/"
    )


def cli_options(config: WarehouseConfig, *, explicit: bool = False) -> list[str]:
    """The CLI's global options that name ``config``'s warehouse whatever the environment says
    (a SQLite warehouse by ``--home`` alone, the default, unless ``explicit``)."""
    options = ["--home", str(config.home)]
    if explicit or config.catalog_type != "sqlite":
        options += ["--catalog", config.catalog, "--data-path", config.data_path]
    return options


class Warehouses:
    """Makes one test's warehouses, of its catalog kind, and drops their databases afterwards."""

    def __init__(
        self,
        kind: str,
        templates: Templates,
        monkeypatch: pytest.MonkeyPatch | None,
        request: pytest.FixtureRequest,
    ) -> None:
        self.kind = kind
        self._templates = templates
        self._monkeypatch = monkeypatch
        self._server: pg.Server | None = (
            request.getfixturevalue("postgres_server") if kind == "postgres" else None
        )
        self._made: dict[Path, WarehouseConfig] = {}
        self._databases: list[str] = []

    def make(self, home: Path, template: str | None) -> WarehouseConfig:
        """A warehouse at ``home``: a copy of the ``empty`` or ``demo`` template, or (None)
        an uninitialised one (for PostgreSQL: an empty database) for ``costboard init``."""
        if template is not None:
            source, _ = self._templates.get(self.kind, template)
            shutil.copytree(source, home)
        if self._server is None:
            config = WarehouseConfig.resolve(home)
        else:
            _, database = self._templates.get(self.kind, template) if template else (None, None)
            name = new_database_name()
            self._databases.append(name)
            config = postgres_config(self._server, name, home, create=True, template=database)
            # The environment names this warehouse: `--home` alone and child processes use it.
            for variable, value in config.environment().items():
                if variable != "COSTBOARD_HOME" and self._monkeypatch is not None:
                    self._monkeypatch.setenv(variable, value)
        self._made[home.resolve()] = config
        return config

    def options(self, home: Path) -> list[str]:
        """The CLI's global options for the warehouse at ``home`` (made here or not)."""
        found = self._made.get(home.resolve())
        return cli_options(found) if found else ["--home", str(home)]

    def close(self) -> None:
        if self._server is not None:
            for name in self._databases:
                self._server.drop_database(name)


@pytest.fixture
def warehouses(
    catalog_kind: str,
    templates: Templates,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Warehouses]:
    made = Warehouses(catalog_kind, templates, monkeypatch, request)
    yield made
    made.close()


@pytest.fixture(scope="module")
def module_warehouses(
    catalog_kind: str, templates: Templates, request: pytest.FixtureRequest
) -> Warehouses:
    """Makes warehouses that a module's tests share, of its catalog kind (the environment is
    left alone: name them with :func:`cli_options`); their databases go with the server."""
    return Warehouses(catalog_kind, templates, None, request)


@pytest.fixture
def home(tmp_path: Path, warehouses: Warehouses) -> Path:
    """The test's home, with no warehouse yet (for PostgreSQL: its catalog's empty database)."""
    path = tmp_path / "home"
    if warehouses.kind != "sqlite":
        warehouses.make(path, None)
    return path


@pytest.fixture(scope="session")
def empty_home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite-catalog warehouse, made once per session (copy it; never write to it)."""
    home = tmp_path_factory.mktemp("empty") / "home"
    schema.create(sqlite_config(home), author="tests")
    return home


@pytest.fixture
def config(home: Path, warehouses: Warehouses) -> WarehouseConfig:
    """An empty, initialised warehouse of its own for one test, at ``home``."""
    # For PostgreSQL this replaces the empty database `home` made (dropped after the test).
    return warehouses.make(home, "empty")


@pytest.fixture(scope="session")
def demo_home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse (SQLite catalog), built once per session through `costboard init --demo`."""
    home = tmp_path_factory.mktemp("demo") / "home"
    result = CliRunner().invoke(
        main, [*cli_options(sqlite_config(home), explicit=True), "init", "--demo"]
    )
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def demo_config(warehouses: Warehouses, tmp_path: Path) -> WarehouseConfig:
    """A private copy of the demo warehouse that a test may write to."""
    return warehouses.make(tmp_path / "demo-home", "demo")


_dashboard_configs: dict[str, WarehouseConfig] = {}


@pytest.fixture(scope="module")
def dashboard_config(
    catalog_kind: str,
    templates: Templates,
    demo_home_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> WarehouseConfig:
    """The dashboard tests' warehouse (tests/browser/support.py: the demo with estimates and
    some history), built once per catalog kind in a session; read it, never write to it."""
    if catalog_kind == "sqlite":
        return WarehouseConfig.resolve(
            dashboard_home(demo_home_template, tmp_path_factory.mktemp("d"))
        )
    if catalog_kind not in _dashboard_configs:
        server: pg.Server = request.getfixturevalue("postgres_server")
        source, database = templates.get(catalog_kind, "demo")
        scratch = tmp_path_factory.mktemp("pg-dashboard")
        shutil.copytree(source, scratch / "home")
        made = postgres_config(
            server, "dashboard", scratch / "home", create=True, template=database
        )
        add_history(scratch, *cli_options(made))
        _dashboard_configs[catalog_kind] = made
    return _dashboard_configs[catalog_kind]


CliCall = Callable[..., Result]


@pytest.fixture
def cli(home: Path, warehouses: Warehouses) -> CliCall:
    """Run the costboard CLI against the test's home (or ``home_dir``); returns click's Result.

    A warehouse the test's fixtures made is named by its catalog and data path too, so the
    call reaches it whichever warehouse the environment names."""

    def invoke(*args: str, input: str | None = None, home_dir: Path | None = None) -> Result:
        return CliRunner().invoke(
            main,
            [*warehouses.options(home_dir or home), *args],
            input=input,
            catch_exceptions=False,
        )

    return invoke


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _time_limits_stay_with_their_test() -> Iterator[None]:
    """`costboard --hook-timeout/--estimator-timeout` set COSTBOARD_*_TIMEOUT in the process's
    environment (so gunicorn's workers inherit them); a test that runs the CLI in-process
    must not leave them to the tests after it (and their subprocesses)."""
    names = ("COSTBOARD_HOOK_TIMEOUT", "COSTBOARD_ESTIMATOR_TIMEOUT")
    saved = {name: os.environ.get(name) for name in names}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
