"""One writer, many readers: readers never fail or see half a snapshot; a killed writer loses nothing."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from random import Random

import filelock
import pytest

from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import write

pytestmark = [pytest.mark.slow, pytest.mark.catalogs]

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from costboard.warehouse import ingest
    from costboard.warehouse.config import WarehouseConfig
    config = WarehouseConfig.resolve(sys.argv[1])
    folder = Path(sys.argv[2])
    for i in range(int(sys.argv[3])):
        path = folder / f"batch{i}.csv"
        rows = "".join(
            f"b{i}-{j},m1,training_cost,final_run,{i},usd,tester,2024-12-27,https://example.org/{i}\\n"
            for j in range(10)
        )
        path.write_text("claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\\n" + rows)
        ingest.ingest(config, [path], message=f"batch {i}")
    """
)

READER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from costboard.warehouse import lake
    from costboard.warehouse.config import WarehouseConfig
    config = WarehouseConfig.resolve(sys.argv[1])
    done = Path(sys.argv[2])  # the test creates it once the writer has finished
    seen, errors = [], []
    persistent = lake.connect(config)
    while True:
        finished = done.exists()
        for connection in (persistent, None):
            try:
                own = connection or lake.connect(config)
                count, batches = own.execute(
                    "SELECT count(*), count(DISTINCT value) FROM claims").fetchone()
                seen.append([count, batches])
                if connection is None:
                    own.close()
            except Exception as error:  # any error at all is a failure of the test
                errors.append(repr(error))
        if finished:
            break
    print(json.dumps({"seen": seen, "errors": errors}))
    """
)


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_readers_polling_during_ingests_see_no_error_and_only_whole_snapshots(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest.ingest(
        config, [write(tmp_path / "s.csv", "subject,kind\nm1,model\n")], message="subjects"
    )
    done = tmp_path / "writer-done"
    reader = _python(READER, str(config.home), str(done))
    writer = _python(WRITER, str(config.home), str(tmp_path), "12")
    _, writer_err = writer.communicate(timeout=300)
    done.touch()
    assert writer.returncode == 0, writer_err
    out, reader_err = reader.communicate(timeout=300)
    assert reader.returncode == 0, reader_err
    report = json.loads(out)
    assert report["errors"] == []
    # Each batch adds 10 claims with one value: a whole snapshot shows 10 x batches claims.
    assert all(count == 10 * batches for count, batches in report["seen"]), report["seen"][:20]
    # The reader ran across the writes (it saw more than one state) and saw them all land.
    assert len({count for count, _ in report["seen"]}) >= 2, report["seen"][:20]
    assert report["seen"][-1] == [120, 12]


#: An ingest that says where it is: "locked" once it holds the write lock and opens the
#: read-write attach, "begun" after BEGIN, "message" after the commit message, "committing"
#: just before COMMIT. The test kills it a moment after the stage it picked.
MARKED_INGEST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from costboard.warehouse import ingest, lake
    from costboard.warehouse.config import WarehouseConfig

    def say(stage):
        print(stage, flush=True)

    class Marked:
        def __init__(self, connection):
            self._connection = connection
        def execute(self, sql, *args, **kwargs):
            if sql == "COMMIT":
                say("committing")
            result = self._connection.execute(sql, *args, **kwargs)
            if sql.startswith("BEGIN"):
                say("begun")
            elif "set_commit_message" in sql:
                say("message")
            return result
        def __getattr__(self, name):
            return getattr(self._connection, name)

    real_connect = lake.connect
    def connect(config, *, read_only=True, **kwargs):
        connection = real_connect(config, read_only=read_only, **kwargs)
        if read_only:
            return connection
        say("locked")
        return Marked(connection)
    lake.connect = connect
    config = WarehouseConfig.resolve(sys.argv[1])
    ingest.ingest(config, [Path(sys.argv[2])], message="killed?")
    say("done")
    """
)
STAGES = ("locked", "begun", "message", "committing")
ROWS_PER_TRIAL = 20_000


def test_an_ingest_killed_inside_its_write_leaves_only_whole_snapshots_and_the_lock_free(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest.ingest(
        config, [write(tmp_path / "s.csv", "subject,kind\nNVDA,ticker\n")], message="subjects"
    )
    random = Random(20261130)  # seeded: the same stages and delays on every run
    outcomes = []
    for trial in range(12):
        stage, delay = random.choice(STAGES), random.uniform(0.0, 0.05)
        prices = tmp_path / f"trial{trial}.csv"
        prices.write_text(
            "date,ticker,close\n"
            + "".join(
                f"{1900 + day // 200:04d}-01-{1 + day % 28:02d},K{trial}x{day % 200},{day + 1}\n"
                for day in range(ROWS_PER_TRIAL)
            )
        )
        with lake.connect(config) as connection:
            before = connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0]
        process = subprocess.Popen(
            [sys.executable, "-c", MARKED_INGEST, str(config.home), str(prices)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line.strip())
            if seen[-1] in (stage, "done"):
                break
        assert stage in seen, (stage, seen, process.stderr.read() if process.stderr else "")
        # Kill it `delay` after the stage, unless it ends first: a wait on its exit, whose
        # ceiling is the (seeded) moment to kill.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=delay)
        with contextlib.suppress(ProcessLookupError):  # it ended, and was reaped, first
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        with lake.connect(config) as connection:
            latest, rows = connection.execute(
                "SELECT (SELECT max(snapshot_id) FROM snapshots),"
                f" (SELECT count(*) FROM prices WHERE ticker LIKE 'K{trial}x%')"
            ).fetchone()
        outcomes.append((stage, latest - before, rows))
        # Whole or nothing: the snapshot before the kill, or one more with every row.
        assert (latest - before, rows) in ((0, 0), (1, ROWS_PER_TRIAL)), outcomes
        # The lock died with the process: another writer takes it at once.
        filelock.FileLock(str(config.lock_path)).acquire(timeout=0).lock.release()
    # The kills landed inside the write: at least one after BEGIN lost its whole transaction.
    assert any(stage != "locked" and added == 0 for stage, added, _ in outcomes), outcomes
    result = ingest.ingest(
        config,
        [write(tmp_path / "more.csv", "date,ticker,close\n2025-01-24,NVDA,142.6\n")],
        message="after",
    )
    assert result.wrote
