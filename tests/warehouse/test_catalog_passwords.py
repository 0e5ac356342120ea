"""A PostgreSQL catalog with a password, on a real server that asks for one (scram-sha-256).

The password may come from the URL, PGPASSWORD or a .pgpass file; wherever it comes from, it
never shows: not in command output or errors, `costboard log`, the connections costboard and
the dashboard attach (queried past the SQL fence, which refuses `duckdb_databases()` and
`duckdb_secrets()` anyway), the catalog's tables or the lake's files.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from costboard.cli import main
from costboard.dashboard import fence
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from tests import postgres_server
from tests.conftest import write

CLAIMS = (
    "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
    "c1,m1,training_cost,final_run,5576000,usd,x,2024-12-27,https://example.org\n"
)


@pytest.fixture(scope="module")
def server(postgres_server: postgres_server.Server) -> postgres_server.Server:
    """The session's server, which asks for its password on 127.0.0.1 (tests/conftest.py)."""
    return postgres_server


@pytest.fixture
def database(server: postgres_server.Server, request: pytest.FixtureRequest) -> str:
    """A fresh database of this test's own on the server."""
    name = "pw_" + request.node.name.lower().replace("[", "_").replace("]", "")[:50]
    server.create_database(name)
    return name


def costboard(home: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, ["--home", str(home), *args])


def test_a_url_with_the_password_works_and_the_password_shows_nowhere(
    server: postgres_server.Server, database: str, tmp_path: Path
) -> None:
    url = f"postgresql://postgres:{server.password}@127.0.0.1:{server.tcp_port}/{database}"
    data = tmp_path / "data"
    base = ["--catalog", url, "--data-path", f"{data}/"]
    home = tmp_path / "home"
    outputs = [costboard(home, *base, "init")]
    write(tmp_path / "s.csv", "subject,kind\nm1,model\n")
    write(tmp_path / "c.csv", CLAIMS)
    outputs.append(
        costboard(
            home, *base, "ingest", str(tmp_path / "s.csv"), str(tmp_path / "c.csv"), "-m", "x"
        )
    )
    outputs.append(costboard(home, *base, "sql", "SELECT value FROM claims", "--format", "csv"))
    outputs.append(costboard(home, *base, "log"))
    assert [o.exit_code for o in outputs] == [0] * len(outputs), [o.output for o in outputs]
    assert "5576000" in outputs[2].output
    # The SQL fence refuses the readers of attached databases and secrets...
    refused = [
        costboard(home, *base, "sql", f"SELECT * FROM {reader}()")
        for reader in ("duckdb_databases", "duckdb_secrets")
    ]
    assert all(r.exit_code != 0 and "not allowed" in r.output for r in refused)
    # ...and the connection the CLI attaches holds no password to find past it.
    config = WarehouseConfig.resolve(home, url, f"{data}/")
    with closing(lake.connect(config)) as connection:
        paths = connection.execute("SELECT path FROM duckdb_databases()").fetchall()
        secrets = connection.execute("SELECT secret_string FROM duckdb_secrets()").fetchall()
    assert any("127.0.0.1" in str(path) for (path,) in paths)  # listed, without its password
    assert any("password=redacted" in secret for (secret,) in secrets)
    shown = "".join(o.output for o in [*outputs, *refused]) + repr(paths) + repr(secrets)
    assert server.password not in shown

    # Nor in the catalog's tables, nor in any file of the lake.
    dump = server.dump(database)
    assert "ducklake_snapshot" in dump and server.password not in dump
    assert all(
        server.password.encode() not in f.read_bytes() for f in data.rglob("*") if f.is_file()
    )


def test_the_dashboard_sql_cannot_read_the_password(
    server: postgres_server.Server, database: str, tmp_path: Path
) -> None:
    from costboard.dashboard.app import create_app
    from costboard.warehouse import schema

    config = WarehouseConfig.resolve(
        tmp_path / "home",
        f"postgresql://postgres:{server.password}@127.0.0.1:{server.tcp_port}/{database}",
        f"{tmp_path}/data/",
    )
    schema.create(config, author="tests")
    client = create_app(config, warm=False).server.test_client()
    queries = (
        "SELECT * FROM duckdb_databases()",
        "SELECT * FROM duckdb_secrets()",
        "SELECT * FROM duckdb_settings()",
    )
    responses = [client.get("/api/sql", query_string={"q": query}) for query in queries]
    assert [r.status_code for r in responses] == [403] * len(queries)
    # Past the fence, on the dashboard's own locked connection, there is no password either.
    with closing(fence.fenced_connection(config, 1, fence.Limits())) as connection:
        answers = [repr(connection.execute(query).fetchall()) for query in queries]
    assert "ducklake" in answers[0] and "redacted" in answers[1]
    shown = answers + [r.get_data(as_text=True) for r in responses]
    assert all(server.password not in answer for answer in shown)


def test_pgpassword_and_a_pgpass_file_give_the_password(
    server: postgres_server.Server, database: str, tmp_path: Path
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{server.tcp_port}/{database}"
    base = ["--catalog", url, "--data-path", f"{tmp_path}/data/"]
    home = tmp_path / "home"
    assert costboard(home, *base, "init", env={"PGPASSWORD": server.password}).exit_code == 0
    pgpass = write(
        tmp_path / "pgpass", f"127.0.0.1:{server.tcp_port}:*:postgres:{server.password}\n"
    )
    pgpass.chmod(0o600)  # libpq ignores a .pgpass others can read
    answer = costboard(home, *base, "log", env={"PGPASSFILE": str(pgpass), "PGPASSWORD": None})
    assert answer.exit_code == 0, answer.output
    assert "init" in answer.output


def test_a_wrong_password_is_a_clear_error_that_does_not_repeat_it(
    server: postgres_server.Server, database: str, tmp_path: Path
) -> None:
    url = f"postgresql://postgres:not-{server.password}@127.0.0.1:{server.tcp_port}/{database}"
    answer = costboard(tmp_path / "home", "--catalog", url, "--data-path", f"{tmp_path}/d/", "init")
    assert answer.exit_code != 0
    assert "password authentication failed" in answer.output
    assert server.password not in answer.output
    assert "Traceback" not in answer.output


def test_the_dashboard_sql_cannot_query_the_catalog_server_itself(
    server: postgres_server.Server, database: str, tmp_path: Path
) -> None:
    from costboard.dashboard.app import create_app
    from costboard.warehouse import schema

    config = WarehouseConfig.resolve(tmp_path / "home", server.url(database), f"{tmp_path}/data/")
    schema.create(config, author="tests")
    client = create_app(config, warm=False).server.test_client()
    for query in (
        "SELECT * FROM postgres_query('__ducklake_metadata_lake', "
        "'SELECT usename, query FROM pg_stat_activity')",
        "SELECT * FROM __ducklake_metadata_lake.ducklake_snapshot",
    ):
        answer = client.get("/api/sql", query_string={"q": query})
        assert answer.status_code == 403, answer.get_data(as_text=True)
    assert client.get("/api/sql", query_string={"q": "SELECT 1 AS one"}).status_code == 200


def test_migrate_to_a_catalog_that_refuses_the_password_is_a_clear_error(
    server: postgres_server.Server, database: str, config: WarehouseConfig, tmp_path: Path
) -> None:
    url = f"postgresql://postgres:not-{server.password}@127.0.0.1:{server.tcp_port}/{database}"
    answer = costboard(config.home, "migrate", "--to", url, "--data-path", f"{tmp_path}/team-data/")
    assert answer.exit_code == 1, answer.output
    assert "cannot open the catalog" in answer.output
    assert "password authentication failed" in answer.output
    assert server.password not in answer.output and "Traceback" not in answer.output


def test_the_api_answers_503_while_the_catalog_server_refuses(
    server: postgres_server.Server, database: str, tmp_path: Path
) -> None:
    from cachelib import SimpleCache

    from costboard.dashboard.app import create_app
    from costboard.warehouse import schema

    config = WarehouseConfig.resolve(tmp_path / "home", server.url(database), f"{tmp_path}/d/")
    schema.create(config, author="tests")
    client = create_app(config, cache=SimpleCache(), warm=False).server.test_client()
    server.psql("ALTER ROLE postgres PASSWORD 'changed-meanwhile'")
    try:
        answer = client.get("/api/sql", query_string={"q": "SELECT 1 AS one"})
        health = client.get("/healthz")
    finally:
        server.psql(f"ALTER ROLE postgres PASSWORD '{server.password}'")
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert "password authentication failed" in answer.get_json()["error"]
    assert health.status_code == 503
    assert client.get("/api/sql", query_string={"q": "SELECT 1 AS one"}).status_code == 200
