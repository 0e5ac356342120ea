"""README promises that no other test held to account (issue #11, item 7), one test each.

Each test is named after the README sentence it checks. Two of them found a promise false
(deleting ``<home>/cache/`` while serving broke the dashboard); the dashboard now keeps it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import duckdb
import filelock
import pytest
import tenacity
from click.testing import CliRunner

from costboard.cli import main
from costboard.dashboard.app import create_app
from costboard.warehouse import ingest, lake, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.readers import LARGE_FILE_BYTES
from costboard.warehouse.writer import TableChanges
from tests import postgres_server
from tests.conftest import REPO, CliCall, write
from tests.waiting import until

SEED = REPO / "warehouse" / "seed"
#: DeepSeek's own figure: 2.788M H800 GPU-hours at $2 per GPU-hour.
V3_CLOUD_RENTAL = 5_576_000.0
CLAIMS_HEADER = "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"


def snapshot_ids(config: WarehouseConfig) -> list[int]:
    with lake.connect(config) as connection:
        rows = connection.execute("SELECT snapshot_id FROM snapshots ORDER BY 1").fetchall()
    return [row[0] for row in rows]


def claims_file(path: Path, prefix: str, value: int, count: int = 10) -> Path:
    rows = "".join(
        f"{prefix}{i},m1,training_cost,final_run,{value},usd,x,2024-12-27,https://example.org\n"
        for i in range(count)
    )
    return write(path, CLAIMS_HEADER + rows)


def v3_files(folder: Path) -> list[Path]:
    """DeepSeek-V3 and the two seed claims cloud_rental multiplies: a warehouse in seconds."""
    subjects = (SEED / "subjects.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    claims = (SEED / "claims.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    wanted = ("v3-gpu-hours-total,", "v3-rental-price-h800,")
    return [
        write(
            folder / "v3-subjects.csv",
            subjects[0] + "".join(s for s in subjects if s.startswith("deepseek-v3,")),
        ),
        write(
            folder / "v3-claims.csv",
            claims[0] + "".join(c for c in claims if c.startswith(wanted)),
        ),
    ]


def cloud_rental_values(answer: dict[str, Any]) -> set[float]:
    return {e["value"] for e in answer["estimates"] if e["estimator"] == "cloud_rental"}


# ------------------------------------------------------------ one writer at a time


def test_one_writer_at_a_time_a_held_write_lock_makes_a_writer_give_up_with_writer_busy(
    config: WarehouseConfig,
) -> None:
    calls: list[int] = []

    def body(connection: duckdb.DuckDBPyConnection) -> dict[str, TableChanges]:
        calls.append(1)
        connection.execute("INSERT INTO lake.tags VALUES ('t', 0, now(), 'me', NULL)")
        return {"tags": TableChanges(added=1)}

    before = snapshot_ids(config)
    # The README names the lock file: another costboard process would hold exactly this one.
    lock = config.home / "write.lock"
    with filelock.FileLock(str(lock)), pytest.raises(writer.WriterBusy, match=re.escape(str(lock))):
        writer.write(config, body, message="blocked", lock_timeout=0.2)
    assert calls == [] and snapshot_ids(config) == before
    assert writer.write(config, body, message="free", lock_timeout=0.2).wrote
    assert len(snapshot_ids(config)) == len(before) + 1


LOGGED_INGEST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import filelock
    from costboard.warehouse import ingest
    from costboard.warehouse.config import WarehouseConfig
    home, claims, log, refused = sys.argv[1:]
    original = ingest.write_batch
    acquire = filelock.FileLock.acquire

    def noted(self, *args, **kwargs):  # one try first: a refusal is written to `refused`
        if Path(self.lock_file).name == "write.lock":
            try:
                return acquire(self, timeout=0)
            except filelock.Timeout:
                with open(refused, "a") as out:
                    out.write(f"refused {claims}\\n")
        return acquire(self, *args, **kwargs)

    def logged(connection, batch, progress=None):  # the body, inside the write transaction
        with open(log, "a") as out:
            out.write(f"start {claims}\\n")
        sys.stdin.readline()  # held here until the test writes "go"
        changes = original(connection, batch, progress)
        with open(log, "a") as out:
            out.write(f"end {claims}\\n")
        return changes

    ingest.write_batch = logged
    filelock.FileLock.acquire = noted
    print("ready", flush=True)
    ingest.ingest(WarehouseConfig.resolve(home), [Path(claims)], message=claims)
    """
)


@pytest.mark.slow
def test_one_writer_at_a_time_two_concurrent_ingests_are_serialised_into_whole_snapshots(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest.ingest(config, [write(tmp_path / "s.csv", "subject,kind\nm1,model\n")], message="s")
    before = snapshot_ids(config)
    log, refused = tmp_path / "log", tmp_path / "refused"
    files = [claims_file(tmp_path / "a.csv", "a", 1), claims_file(tmp_path / "b.csv", "b", 2)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", LOGGED_INGEST, str(config.home), str(f), str(log), str(refused)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]

    def entered() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        # Both are writing now: the first is inside its transaction, held there until "go".
        until(entered, timeout=120, message="no writer got in")
        # The second writer has tried the lock and been refused (or, if the lock let it, got
        # in): an event either way, so no time is allowed for it to get in.
        until(
            lambda: refused.exists() or len(entered()) > 1,
            timeout=120,
            message="the second writer neither got in nor was refused the lock",
        )
        assert len(entered()) == 1, "two writers were in at once"
    finally:
        for process in processes:  # both told "go" first: the one still waiting reads it later
            with contextlib.suppress(BrokenPipeError):
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
        outcomes = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outcomes
    events = [line.split() for line in log.read_text().splitlines()]
    assert [e[0] for e in events] == ["start", "end", "start", "end"], events
    assert events[0][1] == events[1][1] != events[2][1] == events[3][1], events
    # Two separate snapshots, each holding the whole of one ingest and nothing of the other.
    new = [s for s in snapshot_ids(config) if s not in before]
    assert len(new) == 2
    seen = []
    for snapshot_id in new:
        with lake.connect(config, snapshot_id=snapshot_id) as connection:
            seen.append(
                connection.execute(
                    "SELECT count(*), list(DISTINCT value ORDER BY value) FROM claims"
                ).fetchone()
            )
    first_value = 1.0 if events[0][1].endswith("a.csv") else 2.0
    assert seen == [(10, [first_value]), (20, [1.0, 2.0])]


# ------------------------------------------------------------ retry on conflicts


def _outsider_tags(config: WarehouseConfig, name: str) -> None:
    """Another DuckLake client (no costboard lock) commits to the same catalog."""
    with lake.connect(config, read_only=False) as outsider:
        outsider.execute("BEGIN")
        outsider.execute("INSERT INTO lake.tags VALUES (?, 0, now(), 'outsider', NULL)", [name])
        outsider.execute("CALL lake.set_commit_message('outsider', 'a tag from outside')")
        outsider.execute("COMMIT")


def test_catalog_conflicts_with_another_client_are_retried_with_exponential_backoff(
    config: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    retrying = writer._write_with_retry.retry  # type: ignore[attr-defined]
    monkeypatch.setattr(retrying, "sleep", waits.append)
    monkeypatch.setattr(tenacity.wait.random, "uniform", lambda low, high: 0.0)  # no jitter
    calls: list[int] = []

    def body(connection: duckdb.DuckDBPyConnection) -> dict[str, TableChanges]:
        calls.append(1)
        connection.execute("SELECT count(*) FROM lake.tags").fetchall()  # this transaction reads
        if len(calls) <= 3:
            _outsider_tags(config, f"outside-{len(calls)}")  # ... and someone else commits
        connection.execute("INSERT INTO lake.tags VALUES ('inside', 0, now(), 'me', NULL)")
        return {"tags": TableChanges(added=1)}

    result = writer.write(config, body, message="inside", author="me")
    assert len(calls) == 4, "three real conflicts, then a clean attempt"
    assert waits == pytest.approx([0.05, 0.1, 0.2])  # each wait twice the last
    with lake.connect(config) as connection:
        tags = connection.execute("SELECT tag FROM tags ORDER BY tag").fetchall()
        mine = connection.execute(
            "SELECT author, message FROM snapshots WHERE snapshot_id = ?", [result.snapshot_id]
        ).fetchone()
    assert tags == [("inside",), ("outside-1",), ("outside-2",), ("outside-3",)]
    assert mine == ("me", "inside")


def test_catalog_conflict_retry_does_not_retry_an_error_that_is_not_a_conflict(
    config: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(writer._write_with_retry.retry, "sleep", waits.append)  # type: ignore[attr-defined]
    calls: list[int] = []

    def body(connection: duckdb.DuckDBPyConnection) -> dict[str, TableChanges]:
        calls.append(1)
        connection.execute("SELECT no_such_column FROM lake.tags")
        return {"tags": TableChanges(added=1)}

    before = snapshot_ids(config)
    with pytest.raises(duckdb.BinderException, match="no_such_column"):
        writer.write(config, body, message="broken")
    assert calls == [1] and waits == []
    assert snapshot_ids(config) == before


# ------------------------------------------------------------ PostgreSQL


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    # Not tests/warehouse/test_postgres_catalog.py's port, in case both modules' servers overlap.
    with postgres_server.throwaway("costboard-pg-promises-", port=55434) as dsn:
        yield dsn


@pytest.mark.slow
def test_postgresql_catalog_serves_costboard_estimate_and_the_dashboards_reads(
    postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_CATALOG", f"postgres:{postgres}")
    monkeypatch.setenv("COSTBOARD_DATA_PATH", str(tmp_path / "shared-data") + "/")
    home = tmp_path / "home"

    def cli(*args: str) -> str:
        result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    cli("init")
    cli("ingest", *map(str, v3_files(tmp_path)), "-m", "DeepSeek-V3's GPU-hours and price")
    assert "estimate_records +" in cli("estimate", "-m", "estimates on postgres")
    config = WarehouseConfig.resolve(home)
    assert config.catalog_type == "postgres" and not (home / "catalog.sqlite").exists()
    app = create_app(config, warm=False)
    try:
        answer = app.server.test_client().get("/api/estimates?subject=deepseek-v3")
        assert answer.status_code == 200, answer.json
        assert cloud_rental_values(answer.json) == {V3_CLOUD_RENTAL}
    finally:
        app.server.extensions["costboard"].reader.close()


# ------------------------------------------------------------ progress bar


def _ingest_in_a_terminal(home: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """`costboard ingest --dry-run` as run at a terminal (rich is told the output is a TTY)."""
    env = {**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "TERM": "xterm-256color"}
    env.update(COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "costboard.cli", "--home", str(home), "ingest"]
        + [f.name for f in files]  # short names, as typed in the files' folder
        + ["-m", "big", "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=files[0].parent,
        timeout=300,
    )


@pytest.mark.slow
def test_large_files_get_a_progress_bar_and_small_ones_do_not(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    subjects = write(tmp_path / "s.csv", "subject,kind\nm1,model\n")
    row = "c1,m1,training_cost,final_run,1,usd,x,2024-12-27,https://example.org,{}\n"
    header = CLAIMS_HEADER.replace("\n", ",note\n")
    # Large in bytes (past the threshold), one row: quick to check.
    big = write(tmp_path / "big.csv", header + row.format("n" * (LARGE_FILE_BYTES + 1)))
    small = write(tmp_path / "small.csv", header + row.format("short"))
    bar = "━"  # rich's bar

    shown = _ingest_in_a_terminal(config.home, subjects, big)
    assert shown.returncode == 0, shown.stderr
    assert bar in shown.stdout and "reading " in shown.stdout
    assert "validating big.csv (1 rows)" in shown.stdout
    assert "dry run, nothing written: claims: +1" in shown.stdout

    quiet = _ingest_in_a_terminal(config.home, subjects, small)
    assert quiet.returncode == 0, quiet.stderr
    assert bar not in quiet.stdout and "reading " not in quiet.stdout
    assert quiet.stdout.startswith("dry run, nothing written: claims: +1")


# ------------------------------------------------------------ where the warehouse lives


def test_costboard_home_decides_without_home_and_the_default_home_is_home_dot_costboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("COSTBOARD_HOME", "COSTBOARD_CATALOG", "COSTBOARD_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "me"))

    def cli(*args: str) -> Any:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    team = tmp_path / "team"
    monkeypatch.setenv("COSTBOARD_HOME", str(team))
    assert cli("init").exit_code == 0
    assert (team / "catalog.sqlite").is_file() and (team / "data").is_dir()
    assert "create the costboard warehouse" in cli("log").output
    # --home still wins over the variable.
    elsewhere = cli("--home", str(tmp_path / "elsewhere"), "log")
    assert elsewhere.exit_code == 1 and "no warehouse" in elsewhere.output

    monkeypatch.delenv("COSTBOARD_HOME")
    default = tmp_path / "me" / ".costboard"
    assert WarehouseConfig.resolve().home == default
    assert "no warehouse" in cli("log").output
    assert cli("init").exit_code == 0
    assert (default / "catalog.sqlite").is_file() and (default / "data").is_dir()
    assert "create the costboard warehouse" in cli("log").output


# ------------------------------------------------------------ README's Python snippet


def test_the_readme_python_attach_snippet_prints_the_claims(
    demo_config: WarehouseConfig, tmp_path: Path
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"### Attach the lake from Python\n\n```python\n(.*?)```", readme, re.S)
    assert found, "README: no Python snippet under 'Attach the lake from Python'"
    placeholder = "/home/me/.costboard/catalog.sqlite"
    assert placeholder in found.group(1)
    snippet = found.group(1).replace(placeholder, str(demo_config.home / "catalog.sqlite"))
    result = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "deepseek-v3" in result.stdout and "5576000.0" in result.stdout
    assert "https://arxiv.org/abs/2412.19437" in result.stdout


# ------------------------------------------------------------ the cache is safe to delete


@pytest.fixture
def v3_app(config: WarehouseConfig, tmp_path: Path) -> Iterator[dash.Dash]:
    """The dashboard, as `costboard serve` makes it (the results cache in <home>/cache/)."""
    ingest.ingest(config, v3_files(tmp_path), message="V3")
    result = CliRunner().invoke(main, ["--home", str(config.home), "estimate"])
    assert result.exit_code == 0, result.output
    app = create_app(config, warm=False)
    yield app
    app.server.extensions["costboard"].reader.close()


def _answers(app: dash.Dash) -> list[Any]:
    client = app.server.test_client()
    answers = []
    for url in (
        "/api/estimates?subject=deepseek-v3",
        "/api/sql?q=SELECT subject, value FROM claims ORDER BY claim_id",
        "/api/snapshots",
    ):
        response = client.get(url)
        body = response.get_json()
        body.pop("elapsed_ms", None)  # the only field that differs between two runs
        answers.append((url, response.status_code, body))
    return answers


def test_the_cache_is_safe_to_delete_while_the_dashboard_serves(
    v3_app: dash.Dash, config: WarehouseConfig
) -> None:
    before = _answers(v3_app)
    assert all(status == 200 for _, status, _ in before), before
    assert cloud_rental_values(before[0][2]) == {V3_CLOUD_RENTAL}
    cache = config.home / "cache"
    assert any(cache.rglob("*")), "the dashboard should have cached something"
    shutil.rmtree(cache)
    assert _answers(v3_app) == before


def test_the_cache_is_safe_to_delete_and_fills_again_after_deletion(
    v3_app: dash.Dash, config: WarehouseConfig
) -> None:
    before = _answers(v3_app)
    results = config.home / "cache" / "dashboard"
    assert any(results.iterdir())
    shutil.rmtree(results)
    assert _answers(v3_app) == before
    assert results.is_dir() and any(results.iterdir()), "nothing is cached any more"


# ------------------------------------------------------------ errors listed together


def test_errors_of_several_bad_files_are_listed_together_and_nothing_is_written(
    cli: CliCall, config: WarehouseConfig, tmp_path: Path
) -> None:
    row = "{},m1,training_cost,final_run,{},{},x,2024-12-27,https://example.org\n"
    good = write(tmp_path / "subjects.csv", "subject,kind\nm1,model\n")
    bad1 = write(tmp_path / "bad1.csv", CLAIMS_HEADER + row.format("c1", "five", "usd"))
    bad2 = write(
        tmp_path / "bad2.csv",
        CLAIMS_HEADER + row.format("c2", "1", "usd") + row.format("c3", "2", "usd_milion"),
    )
    before = snapshot_ids(config)
    result = cli("ingest", str(good), str(bad1), str(bad2), "-m", "x")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{bad1}:2:5: column 'value': 'five' is not a number" in lines
    assert any(
        line.startswith(f"{bad2}:3:6: column 'unit': unknown unit 'usd_milion'") for line in lines
    ), lines
    assert lines[-1] == "2 errors; nothing was written"
    assert snapshot_ids(config) == before
