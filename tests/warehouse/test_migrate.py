"""`costboard migrate`: the demo warehouse (with estimates and a tag) moved to a PostgreSQL and
a SQLite catalog keeps every snapshot's tables, its authors, messages, times and tags, and
answers `sql --as-of` and `diff` the same; a non-empty target is refused; an interrupted
migration leaves the source as it was and the target refused until a re-run, which works;
the verification names a difference planted in the target. Called directly, on a small
warehouse: what migrate.migrate returns and reports, each snapshot's author, message and time
kept, a source a writer holds refused with the target untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import filelock
import pytest
from click.testing import CliRunner, Result

from costboard.cli import main
from costboard.warehouse import extensions, ingest, lake, migrate, migrate_verify, writer
from costboard.warehouse.config import WarehouseConfig
from tests import postgres_server as pg
from tests.conftest import write
from tests.warehouse.test_claim_fields import HEADER, SUBJECTS, V3


def run(home: Path, *args: str, catalog: str | None = None, data: str | None = None) -> Result:
    where = [*(["--catalog", catalog] if catalog else []), *(["--data-path", data] if data else [])]
    return CliRunner().invoke(main, ["--home", str(home), *where, *args])


@pytest.fixture(scope="module")
def source_home(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse with `costboard estimate`'s estimates and a tag on top."""
    home = tmp_path_factory.mktemp("migrate-source") / "home"
    shutil.copytree(demo_home_template, home)
    estimated = run(home, "estimate", "-m", "estimates before the move")
    assert estimated.exit_code == 0, estimated.output
    tagged = run(home, "tag", "before-estimates", "42", "-m", "the evidence alone")
    assert tagged.exit_code == 0, tagged.output
    return home


def fingerprint(home: Path) -> dict[str, str]:
    """Every file of a home (catalog and Parquet files) by its content hash."""
    return {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != "write.lock"
    }


def answers(home: Path, catalog: str | None = None, data: str | None = None) -> list[str]:
    """What a user sees: the log, a query as of a tag, a diff of prices, the estimates."""
    calls = [
        ("log", "--format", "csv"),
        ("tags", "--format", "csv"),
        ("sql", "--as-of", "before-estimates", "--format", "csv",
         "SELECT count(*) AS n, md5(string_agg(claim_id || '=' || coalesce(CAST(value AS "
         "VARCHAR), '-'), ',' ORDER BY claim_id)) AS digest FROM claims"),
        ("diff", "24", "26", "--table", "prices"),
        ("sql", "--format", "csv",
         "SELECT estimator, count(*) AS n, min(snapshot_id) AS first FROM estimates "
         "GROUP BY estimator ORDER BY estimator"),
    ]  # fmt: skip
    outputs = []
    for call in calls:
        result = run(home, *call, catalog=catalog, data=data)
        assert result.exit_code == 0, (call, result.output)
        outputs.append(result.output)
    return outputs


@pytest.fixture(scope="module")
def sqlite_target(source_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The source migrated once into a SQLite catalog (its folder holds catalog and data)."""
    folder = tmp_path_factory.mktemp("migrate-sqlite") / "team"
    result = run(source_home, "migrate", "--to", f"sqlite:{folder}/catalog.sqlite")
    assert result.exit_code == 0, result.output
    return folder


def test_migration_to_sqlite_keeps_every_snapshot_and_answers_the_same(
    source_home: Path, sqlite_target: Path
) -> None:
    catalog, data = f"sqlite:{sqlite_target}/catalog.sqlite", f"{sqlite_target}/data/"
    assert answers(source_home) == answers(source_home, catalog, data)
    with lake.connect(WarehouseConfig.resolve(source_home)) as source:
        estimates = source.execute("SELECT count(*) FROM estimates").fetchone()
    assert estimates is not None and estimates[0] > 0
    assert any(Path(data).rglob("*.parquet")), "the target's Parquet files are in its data path"


def test_migration_to_postgresql_by_url_keeps_history_and_never_shows_the_password(
    source_home: Path, tmp_path: Path, postgres_server: pg.Server
) -> None:
    name = "migrate_target"
    postgres_server.create_database(name)
    try:
        url, data = postgres_server.url(name), str(tmp_path / "shared-data") + "/"
        password = postgres_server.password
        assert password and password in url
        result = run(source_home, "migrate", "--to", url, "--data-path", data)
        assert result.exit_code == 0, result.output
        assert "verified: 45 snapshots" in result.output
        assert password not in result.output
        assert answers(source_home) == answers(source_home, url, data)
        assert password not in postgres_server.dump(name)
    finally:
        postgres_server.drop_database(name)


def test_a_target_that_holds_a_warehouse_or_files_is_refused(
    source_home: Path, sqlite_target: Path, tmp_path: Path
) -> None:
    taken = run(source_home, "migrate", "--to", f"sqlite:{sqlite_target}/catalog.sqlite")
    assert taken.exit_code == 1
    assert "already holds a DuckLake catalog (45 snapshot(s))" in taken.output
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "someone-elses.parquet").write_bytes(b"PAR1")
    files = run(source_home, "migrate", "--to", f"sqlite:{tmp_path}/catalog.sqlite")
    assert files.exit_code == 1
    assert f"the target data path {tmp_path}/data/ already holds 1 file(s)" in files.output
    assert (tmp_path / "data" / "someone-elses.parquet").exists()
    assert not (tmp_path / "catalog.sqlite").exists(), "a refusal leaves nothing behind"
    itself = run(source_home, "migrate", "--to", f"sqlite:{source_home}/catalog.sqlite")
    assert itself.exit_code == 1 and "the source's own" in itself.output


def _snapshots_written(catalog: Path) -> int:
    if not catalog.exists():
        return 0
    with sqlite3.connect(catalog) as connection:
        try:
            return int(connection.execute("SELECT count(*) FROM ducklake_snapshot").fetchone()[0])
        except sqlite3.OperationalError:  # DuckLake has not created its tables yet
            return 0


@pytest.fixture
def killed_midway(source_home: Path, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A migration SIGKILLed after it wrote some snapshots; the target's folder and the
    source's files as they were before it started."""
    before = fingerprint(source_home)
    target = tmp_path / "team"
    process = subprocess.Popen(
        [sys.executable, "-m", "costboard.cli", "--home", str(source_home), "migrate",
         "--to", f"sqlite:{target}/catalog.sqlite"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Polled until the process has written some snapshots or ended; no clock involved.
    while process.poll() is None and _snapshots_written(target / "catalog.sqlite") < 10:
        os.sched_yield()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the migration ended before it was killed"
    yield target, before


def test_an_interrupted_migration_leaves_the_source_alone_and_the_target_refused_until_rerun(
    source_home: Path, killed_midway: tuple[Path, dict[str, str]]
) -> None:
    target, before = killed_midway
    assert fingerprint(source_home) == before
    catalog, data = f"sqlite:{target}/catalog.sqlite", f"{target}/data/"
    for command in (["log"], ["sql", "SELECT 1"], ["init"]):
        refused = run(source_home, *command, catalog=catalog, data=data)
        assert refused.exit_code == 1, command
        assert "unfinished `costboard migrate`" in refused.output
    again = run(source_home, "migrate", "--to", catalog)
    assert again.exit_code == 0, again.output
    assert "cleared what an interrupted migration had written" in again.output
    assert answers(source_home) == answers(source_home, catalog, data)
    assert fingerprint(source_home) == before


def test_verification_names_a_row_changed_in_the_target(
    source_home: Path, sqlite_target: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "team"
    shutil.copytree(sqlite_target, copy)
    # A claim's value altered where DuckLake keeps small inserts: in the catalog itself.
    with sqlite3.connect(copy / "catalog.sqlite") as catalog:
        inlined = catalog.execute(
            "SELECT i.table_name FROM ducklake_inlined_data_tables AS i "
            "JOIN ducklake_table AS t USING (table_id) WHERE t.table_name = 'claim_records'"
        ).fetchone()[0]
        # The first claim row (written in snapshot 3), which every later snapshot holds too.
        changed = catalog.execute(
            f"UPDATE {inlined} SET value = value * 2 WHERE row_id = (SELECT min(row_id) "
            f"FROM {inlined})"
        ).rowcount
        assert changed == 1
    source = WarehouseConfig.resolve(source_home)
    target = WarehouseConfig.resolve(copy, f"sqlite:{copy}/catalog.sqlite", f"{copy}/data/")
    connection = extensions.connect_offline()
    try:
        for config, alias in ((source, "source"), (target, "target")):
            lake.load_extensions(connection, config)
            lake.attach(connection, config, alias=alias, read_only=True)
        with pytest.raises(
            migrate_verify.MigrationDiffers, match=r"snapshot 3, table claim_records"
        ):
            migrate_verify.verify(connection, "source", "target")
    finally:
        connection.close()


def test_a_server_catalog_needs_a_data_path_and_a_bad_catalog_string_is_named(
    demo_home_template: Path,
) -> None:
    server = run(demo_home_template, "migrate", "--to", "postgresql://team@db.internal/costboard")
    assert server.exit_code == 2
    assert "--data-path is needed with a server catalog" in server.output
    bad = run(demo_home_template, "migrate", "--to", "mysql://team@db/costboard")
    assert bad.exit_code == 2 and "--to" in bad.output


def test_a_source_whose_snapshot_ids_have_gaps_is_refused_before_anything_is_written(
    demo_config: WarehouseConfig, tmp_path: Path
) -> None:
    connection = lake.connect(demo_config, read_only=False)
    try:
        connection.execute(f"CALL ducklake_expire_snapshots('{lake.LAKE}', versions => [5])")
    finally:
        connection.close()
    result = run(demo_config.home, "migrate", "--to", f"sqlite:{tmp_path}/team/catalog.sqlite")
    assert result.exit_code == 1
    assert "not 0, 1, 2, ... without gaps" in result.output
    assert not (tmp_path / "team").exists()


# --- migrate.migrate called directly, on a small warehouse -----------------------------------


def history(config: WarehouseConfig) -> list[tuple[object, ...]]:
    with lake.connect(config) as connection:
        return connection.execute(
            "SELECT snapshot_id, snapshot_time, author, commit_message FROM lake.snapshots() "
            "ORDER BY snapshot_id"
        ).fetchall()


def team(tmp_path: Path) -> WarehouseConfig:
    folder = tmp_path / "team"
    return WarehouseConfig.resolve(folder, f"sqlite:{folder}/catalog.sqlite", f"{folder}/data/")


def test_a_migration_reports_each_snapshot_and_keeps_its_author_message_and_time(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    files = [write(tmp_path / "s.csv", SUBJECTS), write(tmp_path / "c.csv", HEADER + V3)]
    ingest.ingest(config, files, message="V3's own claim", today=dt.date(2026, 1, 1))
    source = history(config)
    told: list[tuple[str, int, int]] = []
    target = team(tmp_path)
    migrated = migrate.migrate(config, target, progress=lambda *step: told.append(step))
    assert (migrated.snapshots, migrated.cleared_interrupted) == (len(source), False)
    last = len(source) - 1
    replayed = [s for s in told if s[0] == "replaying snapshots"]
    assert replayed == [("replaying snapshots", n, last) for n in range(1, len(source))]
    assert told[-1][0] == "comparing snapshots" and told[-1][1] == told[-1][2]
    assert history(target) == source
    assert source[-1][3] == "V3's own claim"


def test_a_source_a_writer_holds_is_refused_and_the_target_is_left_alone(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    target = team(tmp_path)
    held = filelock.FileLock(str(config.lock_path))
    with held, pytest.raises(writer.WriterBusy, match="a costboard writer holds"):
        migrate.migrate(config, target, lock_timeout=0.05)
    assert not (tmp_path / "team").exists()


def test_a_target_that_is_the_source_is_refused_before_anything_is_read(
    config: WarehouseConfig,
) -> None:
    with pytest.raises(migrate.MigrationError, match="the target catalog is the source's own"):
        migrate.migrate(config, config)
