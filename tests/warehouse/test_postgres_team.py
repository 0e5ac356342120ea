"""A team on one PostgreSQL catalog and data path: several machines write and serve at once.

Each "machine" is a home of its own (its own write lock, its own results cache) on the same
catalog and data path, so nothing in costboard's home serializes them: PostgreSQL and
DuckLake's conflict handling (retried in warehouse/writer.py) must.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from costboard.warehouse import ingest, lake, writer
from costboard.warehouse.config import WarehouseConfig
from tests import postgres_server as pg
from tests.conftest import write
from tests.waiting import until

pytestmark = pytest.mark.slow

WRITERS, INGESTS, CLAIMS_PER_INGEST = 4, 25, 10

#: One machine's writer: INGESTS ingests of CLAIMS_PER_INGEST new claims each, in a home of
#: its own; the catalog and data path come from the environment, as on a team's machines.
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from costboard.warehouse import ingest
    from costboard.warehouse.config import WarehouseConfig
    home, name, ingests, per = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    config = WarehouseConfig.resolve(home)
    for i in range(ingests):
        path = home / f"batch{i}.csv"
        rows = "".join(
            f"{name}-{i}-{j},m1,training_cost,final_run,{i + 1},usd,{name},2024-12-27,"
            f"https://example.org/{name}/{i}\\n"
            for j in range(per)
        )
        path.write_text(
            "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\\n" + rows
        )
        result = ingest.ingest(config, [path], message=f"{name} batch {i}", author=name)
        assert result.wrote, result
    """
)


def machine(config: WarehouseConfig, home: Path) -> dict[str, str]:
    """The environment of another machine on ``config``'s catalog and data path."""
    return {**os.environ, **replace(config, home=home).environment()}


@pytest.fixture
def team(postgres_dsn: str, tmp_path: Path) -> WarehouseConfig:
    """An empty warehouse on a PostgreSQL catalog with a data path the machines share."""
    from costboard.warehouse import schema

    config = WarehouseConfig.resolve(
        tmp_path / "first", catalog=f"postgres:{postgres_dsn}", data_path=f"{tmp_path}/shared/"
    )
    schema.create(config, author="tests")
    ingest.ingest(config, [write(tmp_path / "s.csv", "subject,kind\nm1,model\n")], message="m1")
    return config


def snapshots_and_claims(config: WarehouseConfig) -> tuple[int, int, int]:
    with lake.connect(config) as connection:
        row = connection.execute(
            "SELECT (SELECT count(*) FROM snapshots), (SELECT count(*) FROM claims),"
            " (SELECT count(DISTINCT claim_id) FROM claims)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def test_four_machines_writing_at_once_each_land_every_ingest_with_no_error(
    team: WarehouseConfig, tmp_path: Path
) -> None:
    before, _, _ = snapshots_and_claims(team)
    writers = []
    for n in range(WRITERS):
        home = tmp_path / f"machine{n}"
        home.mkdir()
        writers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WRITER,
                    str(home),
                    f"w{n}",
                    str(INGESTS),
                    str(CLAIMS_PER_INGEST),
                ],
                env=machine(team, home),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    failures = []
    for process in writers:
        _, err = process.communicate()
        if process.returncode != 0 or err.strip():
            failures.append((process.returncode, err[-3000:]))
    assert failures == []
    after, claims, distinct = snapshots_and_claims(team)
    assert after - before == WRITERS * INGESTS
    assert claims == distinct == WRITERS * INGESTS * CLAIMS_PER_INGEST
    with lake.connect(team) as connection:
        per_writer = connection.execute(
            "SELECT author, count(*) FROM snapshots WHERE message LIKE '% batch %' GROUP BY author"
        ).fetchall()
    assert dict(per_writer) == {f"w{n}": INGESTS for n in range(WRITERS)}


def test_a_commit_another_machine_beat_is_retried_by_the_writer_when_ducklake_gives_up(
    team: WarehouseConfig, tmp_path: Path
) -> None:
    """On PostgreSQL a lost race shows as a duplicate snapshot id, and once DuckLake's own
    retries are spent it says "exceeded the maximum retry count", never "conflict": the writer
    must still see a conflict, roll back and run the write again."""
    other = replace(team, home=tmp_path / "other")  # its own lock: nothing serializes the two
    tries = []

    def body(connection: duckdb.DuckDBPyConnection) -> dict[str, writer.TableChanges]:
        tries.append(len(tries) + 1)
        # DuckLake gives up at the first lost race (its default retries a few times first).
        connection.execute("SET ducklake_max_retry_count = 0")
        connection.execute("INSERT INTO lake.subjects (subject, kind) VALUES ('mine', 'model')")
        if len(tries) == 1:  # the other machine commits while this write is open
            ingest.ingest(
                other, [write(tmp_path / "o.csv", "subject,kind\ntheirs,model\n")], message="o"
            )
        return {"subjects": writer.TableChanges(added=1)}

    result = writer.write(team, body, message="mine")
    assert tries == [1, 2] and result.wrote
    with lake.connect(team) as connection:
        subjects = connection.execute(
            "SELECT subject FROM subjects WHERE subject IN ('mine', 'theirs') ORDER BY subject"
        ).fetchall()
    assert subjects == [("mine",), ("theirs",)]


# ------------------------------------------------------------------ two dashboards


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.load(answer)


class Dashboard:
    """`costboard serve` on one machine (its own home) of the team's warehouse."""

    def __init__(self, config: WarehouseConfig, home: Path) -> None:
        self.port = pg.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "costboard.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=machine(config, home),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def latest(self) -> int:
        """The newest snapshot this dashboard shows (it retries while the server starts)."""

        def snapshots() -> dict:
            assert self.process.poll() is None, self.output()
            return get(self.base + "/api/snapshots")

        # OSError: not listening yet; an exited server fails at once.
        answer = until(
            snapshots,
            timeout=120,
            every=0.25,
            ignoring=(OSError,),
            message=lambda: "the dashboard never answered:\n" + self.output(),
        )
        return int(answer["latest"])

    def count(self, claim_id: str) -> int:
        query = f"SELECT count(*) FROM claims WHERE claim_id = '{claim_id}'"
        answer = get(self.base + "/api/sql?" + urllib.parse.urlencode({"q": query}))
        return int(answer["rows"][0][0])

    def output(self) -> str:
        return self.process.stdout.read() if self.process.stdout else ""

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def dashboards(team: WarehouseConfig, tmp_path: Path) -> Iterator[tuple[Dashboard, Dashboard]]:
    pair = (Dashboard(team, tmp_path / "a"), Dashboard(team, tmp_path / "b"))
    try:
        yield pair
    finally:
        for dashboard in pair:
            dashboard.stop()


def ingest_on(config: WarehouseConfig, home: Path, claim_id: str) -> int:
    """Ingest one new claim through the CLI of the machine at ``home``; its snapshot id."""
    claims = write(
        home.parent / f"{claim_id}.csv",
        "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
        f"{claim_id},m1,training_cost,final_run,7,usd,x,2024-12-27,https://example.org/{claim_id}\n",
    )
    done = subprocess.run(
        [sys.executable, "-m", "costboard.cli", "ingest", str(claims), "-m", claim_id],
        env=machine(config, home),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])


def shows(dashboard: Dashboard, snapshot_id: int) -> None:
    """Wait for ``dashboard``'s next refresh to show ``snapshot_id`` (the dashboard trusts its
    newest id for a second; the ceiling is a failure message, not a timing)."""
    until(
        lambda: dashboard.latest() >= snapshot_id,
        timeout=120,
        every=0.2,
        message=f"the dashboard never showed snapshot {snapshot_id}",
    )
    assert dashboard.latest() == snapshot_id


def test_two_dashboards_on_one_catalog_each_show_the_other_machines_writes(
    team: WarehouseConfig, dashboards: tuple[Dashboard, Dashboard], tmp_path: Path
) -> None:
    a, b = dashboards
    start = a.latest()
    assert b.latest() == start and a.count("from-a") == b.count("from-a") == 0
    from_a = ingest_on(team, tmp_path / "a", "from-a")
    shows(b, from_a)
    assert b.count("from-a") == 1
    from_b = ingest_on(team, tmp_path / "b", "from-b")
    shows(a, from_b)
    assert a.count("from-b") == 1 and a.count("from-a") == 1
    shows(b, from_b)
    assert b.count("from-b") == 1
