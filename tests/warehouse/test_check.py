"""``costboard check``: an ingest SIGKILLed mid-commit leaves orphans that check names with their
sizes; ``--remove-orphans`` deletes those and nothing else, and every snapshot reads the same;
a named file that is missing or resized is reported; scheduled-for-deletion files are not orphans.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import filelock
import polars as pl
import pytest

from costboard.warehouse import check, lake, writer
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall, Warehouses, cli_options, write

pytestmark = pytest.mark.catalogs

#: A real `costboard ingest` that stops at its COMMIT: it says "committing" once its Parquet
#: files are written and the catalog has not yet named them, then waits for the SIGKILL.
HALTED_INGEST = textwrap.dedent(
    """
    import sys
    from costboard.cli import main
    from costboard.warehouse import lake

    class Halted:
        def __init__(self, connection):
            self._connection = connection
        def execute(self, sql, *args, **kwargs):
            if sql == "COMMIT":
                print("committing", flush=True)
                sys.stdin.readline()  # never answered: the test kills this process here
            return self._connection.execute(sql, *args, **kwargs)
        def __getattr__(self, name):
            return getattr(self._connection, name)

    real_connect = lake.connect
    def connect(config, *, read_only=True, **kwargs):
        connection = real_connect(config, read_only=read_only, **kwargs)
        return connection if read_only else Halted(connection)
    lake.connect = connect
    main(sys.argv[1:])
    """
)


def _files(config: WarehouseConfig) -> dict[str, int]:
    """Every file in the data path, below it, with its size."""
    root = Path(config.data_path)
    return {
        str(path.relative_to(root)): path.stat().st_size
        for path in root.rglob("*")
        if path.is_file()
    }


def _answers(config: WarehouseConfig) -> list[object]:
    """What the warehouse answers: every table's row count and content hash, now and at
    every snapshot, and the snapshot list itself."""
    with lake.connect(config) as connection:
        snapshots = connection.execute(
            "SELECT snapshot_id, author, commit_message FROM snapshots() ORDER BY 1"
        ).fetchall()
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake' ORDER BY 1"
            ).fetchall()
        ]
        answers: list[object] = [snapshots]
        for snapshot, *_ in snapshots[-3:] + snapshots[1:2]:
            for table in tables:
                try:
                    row = connection.execute(
                        "SELECT count(*), sum(CAST(hash(*COLUMNS(*)) AS HUGEINT)) "
                        f'FROM "{table}" AT (VERSION => {int(snapshot)})'
                    ).fetchone()
                except Exception as error:  # a table not yet made at that snapshot
                    row = ("absent", type(error).__name__)
                answers.append((snapshot, table, row))
        return answers


def _kill_mid_commit(config: WarehouseConfig, tmp_path: Path) -> None:
    rows = "".join(
        f"2024-{1 + day % 12:02d}-{1 + day % 28:02d},KILL{day},{day + 1}\n" for day in range(3000)
    )
    prices = write(tmp_path / "prices.csv", "date,ticker,close\n" + rows)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HALTED_INGEST,
            *cli_options(config),
            "ingest",
            str(prices),
            "-m",
            "killed",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line == "committing", (line, process.stderr.read() if process.stderr else "")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def test_a_fresh_demo_warehouse_checks_clean(demo_config: WarehouseConfig, cli: CliCall) -> None:
    result = cli("check", home_dir=demo_config.home)
    assert result.exit_code == 0, result.output
    assert "ok: every named file is present" in result.output
    assert "data files" in result.output and "orphan " not in result.output


def test_an_ingest_killed_mid_commit_leaves_orphans_that_check_lists_and_removes(
    demo_config: WarehouseConfig, cli: CliCall, tmp_path: Path
) -> None:
    before_files, before_answers = _files(demo_config), _answers(demo_config)
    _kill_mid_commit(demo_config, tmp_path)
    left = {name: size for name, size in _files(demo_config).items() if name not in before_files}
    assert left and all(name.endswith(".parquet") for name in left), left
    assert _answers(demo_config) == before_answers  # the kill lost its whole transaction

    found = cli("check", home_dir=demo_config.home)
    assert found.exit_code == 1, found.output
    for name, size in left.items():
        assert f"orphan   {name}  ({size:,} bytes" in found.output, found.output
    assert found.output.count("orphan   ") == len(left), found.output
    assert "missing" not in found.output
    # DuckLake's own orphan finder (a dry run: it deletes nothing) agrees.
    with lake.connect(demo_config, read_only=False) as connection:
        theirs = connection.execute(
            "SELECT path FROM ducklake_delete_orphaned_files('lake', dry_run => true, "
            "cleanup_all => true)"
        ).fetchall()
    root = os.path.abspath(demo_config.data_path) + "/"
    assert sorted(os.path.relpath(p, root) for (p,) in theirs) == sorted(left)

    if demo_config.catalog_type != "sqlite":
        # A server catalog's default minimum age keeps a fresh orphan: it could be another
        # machine's write in progress.
        kept = cli("check", "--remove-orphans", home_dir=demo_config.home)
        assert kept.exit_code == 1 and kept.output.count("kept     ") == len(left), kept.output
        assert set(left) <= set(_files(demo_config))
    removed = cli("check", "--remove-orphans", "--min-age", "0", home_dir=demo_config.home)
    assert removed.exit_code == 0, removed.output
    assert removed.output.count("removed  ") == len(left), removed.output
    assert _files(demo_config) == before_files  # those files only, every other one untouched
    assert _answers(demo_config) == before_answers
    assert cli("check", home_dir=demo_config.home).exit_code == 0
    # And the warehouse still takes writes.
    again = cli("ingest", str(tmp_path / "prices.csv"), "-m", "after", home_dir=demo_config.home)
    assert again.exit_code == 0, again.output
    assert cli("check", home_dir=demo_config.home).exit_code == 0


def _with_delete_file(config: WarehouseConfig) -> None:
    """One row deleted from a Parquet-backed table, written as a delete file (not inlined)."""

    def body(connection):  # type: ignore[no-untyped-def]
        connection.execute("CALL lake.set_option('data_inlining_row_limit', 0)")
        # A row of a Parquet file (inlined rows' deletions stay in the catalog).
        (first,) = connection.execute(
            f"SELECT min(row_id_start) FROM {lake.metadata_database(lake.LAKE)}.ducklake_data_file "
            f"JOIN {lake.metadata_database(lake.LAKE)}.ducklake_table USING (table_id) "
            "WHERE table_name = 'claim_records'"
        ).fetchone()
        connection.execute("DELETE FROM lake.claim_records WHERE rowid = ?", [first])
        return {"claim_records": writer.TableChanges(removed=1)}

    writer.write(config, body, message="one claim record deleted, into a delete file")


def test_missing_and_resized_named_files_are_reported(
    demo_config: WarehouseConfig, cli: CliCall
) -> None:
    _with_delete_file(demo_config)
    clean = cli("check", home_dir=demo_config.home)
    assert clean.exit_code == 0 and "and 1 delete files" in clean.output, clean.output
    report = check.check(demo_config)
    root = Path(report.data_path)
    data = sorted(f.path for f in report.named if f.kind == "data")
    (deleted,) = [f.path for f in report.named if f.kind == "delete"]
    Path(data[0]).unlink()
    Path(deleted).unlink()
    resized = next(f for f in report.named if f.kind == "data" and f.path != data[0])
    Path(resized.path).write_bytes(Path(resized.path).read_bytes()[:-1])

    found = cli("check", home_dir=demo_config.home)
    assert found.exit_code == 1, found.output
    assert f"missing  {Path(data[0]).relative_to(root)}  (data file, " in found.output
    assert f"missing  {Path(deleted).relative_to(root)}  (delete file, " in found.output
    assert (
        f"size     {Path(resized.path).relative_to(root)}  (data file: {resized.size:,} bytes "
        f"recorded, {resized.size - 1:,} found)"
    ) in found.output
    assert "orphan " not in found.output
    # Removing orphans neither hides nor "fixes" damage: the exit stays 1, no file goes.
    files = _files(demo_config)
    after = cli("check", "--remove-orphans", "--min-age", "0", home_dir=demo_config.home)
    assert after.exit_code == 1 and "3 named files missing or damaged" in after.output
    assert _files(demo_config) == files


def test_files_scheduled_for_deletion_are_not_orphans(
    demo_config: WarehouseConfig, cli: CliCall
) -> None:
    # DuckLake schedules a file after an expiry or a merge (which costboard never runs); the
    # row is written here as DuckLake writes it: a path relative to the data path.
    name = "main/subjects/ducklake-scheduled.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(Path(demo_config.data_path) / name)
    stray = "main/subjects/ducklake-stray.parquet"
    pl.DataFrame({"a": [2]}).write_parquet(Path(demo_config.data_path) / stray)
    with lake.connect(demo_config, read_only=False) as connection:
        connection.execute(
            f"INSERT INTO {lake.metadata_database(lake.LAKE)}.ducklake_files_scheduled_for_deletion "
            "VALUES (9999, ?, true, now())",
            [name],
        )
    found = cli("check", home_dir=demo_config.home)
    assert found.exit_code == 1
    assert f"orphan   {stray}" in found.output and "ducklake-scheduled" not in found.output, (
        found.output
    )
    assert found.output.count("orphan   ") == 1
    cli("check", "--remove-orphans", "--min-age", "0", home_dir=demo_config.home)
    assert (Path(demo_config.data_path) / name).exists()
    assert not (Path(demo_config.data_path) / stray).exists()


def test_a_data_path_whose_name_looks_like_a_glob_is_listed_as_written(
    warehouses: Warehouses, cli: CliCall, tmp_path: Path
) -> None:
    # "[1]", "*" and "?" are glob syntax: read as a pattern, the folder would match nothing
    # and every named file would be reported missing.
    config = warehouses.make(tmp_path / "lake [1]*?" / "home", "empty")
    rows = "".join(f"2024-01-02,GLOB{n},{n + 1}\n" for n in range(3000))  # past inlining
    prices = write(tmp_path / "prices.csv", "date,ticker,close\n" + rows)
    assert cli("ingest", str(prices), "-m", "prices", home_dir=config.home).exit_code == 0
    report = check.check(config)
    assert report.ok and report.named, report
    stray = Path(config.data_path) / "main" / "stray [1].parquet"
    stray.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"a": [1]}).write_parquet(stray)
    found = cli("check", home_dir=config.home)
    assert found.exit_code == 1, found.output
    assert found.output.count("orphan   ") == 1 and "main/stray [1].parquet" in found.output
    assert "missing" not in found.output, found.output


def test_check_waits_for_the_writer(demo_config: WarehouseConfig) -> None:
    # An ingest's files are orphans until it commits: check lists under the write lock.
    lock = filelock.FileLock(str(demo_config.lock_path))
    with lock.acquire(timeout=0), pytest.raises(writer.WriterBusy):
        check.check(demo_config, lock_timeout=0)
    with lock.acquire(timeout=0), pytest.raises(writer.WriterBusy):
        check.remove_orphans(demo_config, lock_timeout=0)


def test_a_data_path_in_a_bucket_is_checked_and_its_orphans_left_to_the_store(
    demo_home_template: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from costboard.cli import main
    from tests import s3_server

    (tmp_path / "s3").mkdir()
    with s3_server.in_environment(tmp_path / "s3") as server:
        home = tmp_path / "home"
        data_path = s3_server.demo_in_bucket(demo_home_template, server, home, "checked")

        def run(*args: str) -> tuple[int, str]:
            result = CliRunner().invoke(
                main, ["--home", str(home), "--data-path", data_path, *args]
            )
            return result.exit_code, result.output

        assert run("check")[0] == 0
        client = server.client()
        orphan = "checked/main/subjects/ducklake-orphan.parquet"
        client.put_object(Bucket=s3_server.LAKE_BUCKET, Key=orphan, Body=b"PAR1 not really")
        named = sorted(key for key in server.objects(prefix="checked/main/claim_records/"))[0]
        client.delete_object(Bucket=s3_server.LAKE_BUCKET, Key=named)
        code, output = run("check")
        assert code == 1, output
        assert "orphan   main/subjects/ducklake-orphan.parquet  (15 bytes" in output, output
        assert f"missing  {named.removeprefix('checked/')}  (data file" in output, output
        code, output = run("check", "--remove-orphans")
        assert code == 1 and "local data path only" in output and "Traceback" not in output
        assert orphan in set(server.objects(prefix="checked/"))
