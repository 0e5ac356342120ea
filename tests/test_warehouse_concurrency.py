"""One writer, many readers: readers never fail or see half a snapshot; a killed writer loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import write

pytestmark = pytest.mark.slow

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
    import json, sys, time
    from costboard.warehouse import lake
    from costboard.warehouse.config import WarehouseConfig
    config = WarehouseConfig.resolve(sys.argv[1])
    deadline = time.time() + float(sys.argv[2])
    seen, errors = [], []
    persistent = lake.connect(config)
    while time.time() < deadline:
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
    reader = _python(READER, str(config.home), "12")
    time.sleep(1.0)  # let the reader start polling before the writer begins
    writer = _python(WRITER, str(config.home), str(tmp_path), "12")
    _, writer_err = writer.communicate(timeout=120)
    assert writer.returncode == 0, writer_err
    out, reader_err = reader.communicate(timeout=120)
    assert reader.returncode == 0, reader_err
    report = json.loads(out)
    assert report["errors"] == []
    assert len(report["seen"]) > 20
    # Each batch adds 10 claims with one value: a whole snapshot shows 10 x batches claims.
    assert all(count == 10 * batches for count, batches in report["seen"]), report["seen"][:20]
    assert max(count for count, _ in report["seen"]) > 0, "the reader never saw a committed batch"


def test_a_killed_ingest_leaves_the_previous_snapshot_intact_and_the_lock_free(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest.ingest(
        config, [write(tmp_path / "s.csv", "subject,kind\nNVDA,ticker\n")], message="subjects"
    )
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write("date,ticker,close\n")
        for day in range(300_000):
            out.write(f"{1000 + day // 365:04d}-01-01,T{day % 365},{day + 1}\n")
    # Distinct (ticker, date) rows: 300,000 over 822 years x 365 tickers.
    with lake.connect(config) as connection:
        before = connection.execute("SELECT max(snapshot_id), count(*) FROM snapshots").fetchone()
    outcomes = []
    for delay in (0.3, 0.8, 1.5, 2.5):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "costboard.cli",
                "--home",
                str(config.home),
                "ingest",
                str(big),
                "-m",
                "big",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        with lake.connect(config) as connection:
            latest, prices = connection.execute(
                "SELECT (SELECT max(snapshot_id) FROM snapshots), (SELECT count(*) FROM prices)"
            ).fetchone()
        outcomes.append((latest, prices))
        # Either the ingest committed whole before the kill, or the warehouse is as it was.
        assert (latest, prices) in ((before[0], 0), (before[0] + 1, 300_000)), outcomes
        if prices:
            break
    # The lock died with the process: the next writer gets in at once.
    result = ingest.ingest(
        config,
        [write(tmp_path / "more.csv", "date,ticker,close\n2025-01-24,NVDA,142.6\n")],
        message="after",
    )
    assert result.wrote
