"""The dashboard's read-only PostgreSQL role (issue 17, item 2), on a real server.

The role is made with the statements the README shows (``read_role.grants``, checked against
the README's block), and every statement below is handed to its connection directly, past the
SQL fence: PostgreSQL refuses each, and a pg_dump of the catalog is unchanged afterwards.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.dashboard import users
from costboard.warehouse import extensions, ingest, lake, read_role, schema
from costboard.warehouse.config import WarehouseConfig
from tests import postgres_server as pg
from tests.conftest import cli_options, new_database_name, write
from tests.waiting import until

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "reader-password-1"
CLAIMS = "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"


@dataclass
class Team:
    server: pg.Server
    database: str
    writer: WarehouseConfig  # the superuser `postgres`, as the CLI's writer
    reader: WarehouseConfig  # the read-only role, over TCP with its password
    reader_url: str


def make_reader(server: pg.Server, database: str) -> str:
    """A role made by the README's statements for ``database``; its catalog URL."""
    role = new_database_name("reader")
    for statement in read_role.grants(role, writer=pg.USER, database=database):
        # Roles and CONNECT are the cluster's; the rest are the catalog database's.
        server.psql(statement, dbname=database)
    # What `\password` does, for a test: the README keeps it out of every statement.
    server.psql(f"ALTER ROLE {role} PASSWORD '{PASSWORD}'")
    return f"postgresql://{role}:{PASSWORD}@127.0.0.1:{server.tcp_port}/{database}"


@pytest.fixture
def team(postgres_server: pg.Server, tmp_path: Path) -> Iterator[Team]:
    database = new_database_name("rr")
    postgres_server.create_database(database)
    data = f"{tmp_path}/shared/"
    writer = WarehouseConfig.resolve(
        tmp_path / "writer", catalog=f"postgres:{postgres_server.dsn(database)}", data_path=data
    )
    schema.create(writer, author="tests")
    claims = "".join(
        f"c{i},m1,training_cost,final_run,{i + 1},usd,x,2024-12-27,https://example.org/{i}\n"
        for i in range(3)
    )
    ingest.ingest(
        writer,
        [
            write(tmp_path / "s.csv", "subject,kind\nm1,model\n"),
            write(tmp_path / "c.csv", CLAIMS + claims),
        ],
        message="three claims",
    )
    url = make_reader(postgres_server, database)
    reader = WarehouseConfig.resolve(tmp_path / "reader", catalog=url, data_path=data)
    yield Team(postgres_server, database, writer, reader, url)
    postgres_server.drop_database(database)


def dump(team: Team) -> str:
    """The catalog database as pg_dump writes it, comparable between two dumps."""
    return team.server.comparable_dump(team.database)


def readme_grants() -> list[str]:
    section = README.read_text(encoding="utf-8").split("### A read-only role for the dashboard")[1]
    block = re.search(r"```sql\n(.*?)```", section, re.S)
    assert block, "the README's read-only role section has no ```sql block"
    return [line.rstrip(";") for line in block.group(1).splitlines() if line.endswith(";")]


def test_the_readme_shows_the_statements_the_tests_make_the_role_with() -> None:
    assert readme_grants() == read_role.grants("costboard_reader", writer="costboard")


def test_the_read_role_reads_the_lake_and_tables_the_writer_makes_after_the_grants(
    team: Team,
) -> None:
    with lake.connect(team.reader) as connection:
        assert connection.execute("SELECT count(*) FROM claims").fetchone() == (3,)
        assert read_role.writes_allowed(connection) == []
    # A new table (and a new schema version) gets a new ducklake_inlined_data_* table: the
    # default privileges must cover it, or the reader's attach breaks on it.
    with lake.connect(team.writer, read_only=False) as connection:
        connection.execute("BEGIN")
        connection.execute("CREATE TABLE later (a INTEGER)")
        connection.execute("INSERT INTO later VALUES (42)")
        connection.execute("CALL lake.set_commit_message('tests', 'a table after the grants')")
        connection.execute("COMMIT")
    with lake.connect(team.reader) as connection:
        assert connection.execute("SELECT a FROM later").fetchall() == [(42,)]


def past_the_fence(config: WarehouseConfig, statements: list[str], *, read_only: bool) -> str:
    """Run ``statements`` on a plain connection of ``config`` (no fence); the error's text."""
    with lake.connect(config, read_only=read_only) as connection:
        try:
            for statement in statements:
                connection.execute(statement)
        except duckdb.Error as error:
            return str(error)
    raise AssertionError(f"the read role ran {statements} with no error")


METADATA = lake.metadata_database(lake.LAKE)


def through_postgres_execute(sql: str) -> list[str]:
    return [f"CALL postgres_execute('{METADATA}', {extensions.sql_string('COMMIT; ' + sql)})"]


#: (name, statements, read_only attach): each hands the server a write past the fence.
ATTACKS = [
    (
        "rewrite an author",
        through_postgres_execute("UPDATE ducklake_snapshot_changes SET author = 'evil'"),
        True,
    ),
    (
        "rewrite a message",
        through_postgres_execute("UPDATE ducklake_snapshot_changes SET commit_message = 'x'"),
        True,
    ),
    ("delete a snapshot", through_postgres_execute("DELETE FROM ducklake_snapshot"), True),
    ("truncate the tags", through_postgres_execute("TRUNCATE ducklake_tag"), True),
    ("create a table", through_postgres_execute("CREATE TABLE public.evil (a int)"), True),
    (
        "insert a claim read-write",
        [
            "BEGIN",
            "INSERT INTO claim_records SELECT * FROM claim_records LIMIT 1",
            "CALL lake.set_commit_message('evil', 'evil')",
            "COMMIT",
        ],
        False,
    ),
    (
        "create a lake table read-write",
        [
            "BEGIN",
            "CREATE TABLE evil (a INTEGER)",
            "CALL lake.set_commit_message('evil', 'evil')",
            "COMMIT",
        ],
        False,
    ),
    (
        "delete the claims read-write",
        [
            "BEGIN",
            "DELETE FROM claim_records",
            "CALL lake.set_commit_message('evil', 'evil')",
            "COMMIT",
        ],
        False,
    ),
]


@pytest.mark.parametrize(
    ("statements", "read_only"),
    [pytest.param(s, r, id=name) for name, s, r in ATTACKS],
)
def test_a_write_handed_to_the_read_roles_connection_is_refused_by_postgresql(
    team: Team, statements: list[str], read_only: bool
) -> None:
    before = dump(team)
    error = past_the_fence(team.reader, statements, read_only=read_only)
    assert "permission denied" in error, error
    assert dump(team) == before


def test_the_same_statement_writes_through_the_writers_role(team: Team) -> None:
    """The attacks above are real: the writer's role is not refused (what the role prevents)."""
    before = dump(team)
    with lake.connect(team.writer) as connection:
        connection.execute(
            through_postgres_execute("UPDATE ducklake_snapshot_changes SET author = 'evil'")[0]
        )
    assert dump(team) != before


def add_user(config: WarehouseConfig) -> str:
    """A user alice with a bearer token (the token)."""
    token, hashed = users.new_token()
    user = users.User("alice", users.hash_password("alice-password-1"), (hashed,))
    users.save(config, {"alice": user})
    return token


def test_serve_with_sign_in_refuses_a_role_that_can_write(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COSTBOARD_READ_CATALOG", raising=False)
    add_user(team.writer)

    def started(*_args: object) -> None:  # serve replaces itself with gunicorn past its checks
        raise AssertionError("serve started the server through a role that can write")

    monkeypatch.setattr(os, "execve", started)
    result = CliRunner().invoke(
        main, [*cli_options(team.writer), "serve", "--port", str(pg.free_port())]
    )
    assert result.exit_code == 1, result.output
    assert "refusing to serve: the dashboard's catalog role can write" in result.output
    assert "CREATE on schema public" in result.output and "on ducklake_" in result.output


class Served:
    """`costboard serve` with sign-in, reading through the read catalog in the environment."""

    def __init__(self, team: Team, token: str) -> None:
        self.port, self.token = pg.free_port(), token
        environment = {
            **os.environ,
            **team.writer.environment(),
            "COSTBOARD_READ_CATALOG": team.reader_url,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "costboard.cli", "serve", "--port", str(self.port)],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def get(self, path: str) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Authorization": f"Bearer {self.token}"}
        )

        def answer() -> dict:
            assert self.process.poll() is None, self.process.stdout.read()  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                # It answered with an error: a failure now, not "not listening yet".
                raise AssertionError(f"{path}: HTTP {error.code} {error.read()!r}") from error

        # URLError: the server is starting, so it is asked again (a ceiling, not a timing).
        return until(
            answer,
            timeout=120,
            every=0.25,
            ignoring=(urllib.error.URLError,),
            message=f"costboard serve never answered {path}",
        )

    def stop(self) -> str:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)
        return self.process.stdout.read() if self.process.stdout else ""


def test_the_dashboard_served_through_the_read_role_shows_the_data(team: Team) -> None:
    served = Served(team, add_user(team.writer))
    try:
        snapshots = served.get("/api/snapshots")
        query = urllib.parse.urlencode({"q": "SELECT count(*) FROM claims"})
        answer = served.get("/api/sql?" + query)
        # The workers hold their catalog connections: every one is the read role's.
        roles = team.server.psql(
            f"SELECT usename FROM pg_stat_activity WHERE datname = '{team.database}'"
        ).split()
    finally:
        output = served.stop()
    assert answer["rows"] == [[3]], answer
    assert snapshots["latest"] >= 2, snapshots
    reader_role = team.reader.catalog.split("user=")[1].split()[0]
    assert roles and set(roles) == {reader_role}, roles
    # The banner names the catalog the workers read: the read role's, never its password.
    assert f"user={reader_role}" in output, output
    assert PASSWORD not in output
    assert "can write to the catalog" not in output, output
