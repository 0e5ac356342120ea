"""A load test of ``costboard serve``: clients on pages and ``/api/sql`` while ingests commit.

    python -m benchmarks.load [--home HOME] [--seconds 15] [--clients 8] [--report FILE]

One implementation for the CI test (tests/dashboard/test_load.py, 15 s) and ``make soak`` (5 minutes,
``COSTBOARD_LOAD_SECONDS=300``). It serves a real warehouse with ``costboard serve``
(gunicorn) on a free loopback port, then runs two phases of ``clients`` threads, each
asking in turn for the pages and the API reads in :data:`PATHS`, only to 127.0.0.1:

- **idle**: no writer (a third of the duration, at least 5 s);
- **ingest**: the full duration, while a writer process runs ``costboard ingest`` (the CLI's
  command, one new valid claim each, so each run commits one snapshot) once a second, or back
  to back when a run takes longer: the pacing clock is a ``threading.Event.wait(timeout)``,
  which the stop event also ends at once. The runs share one interpreter (:data:`WRITER`), so
  the commits are not paced by start-up.

Each client is bounded by the phase's end and by :data:`MAX_REQUESTS_PER_CLIENT`; each request
by a 60 s timeout. Every answer that is not a 200 (and every failed connection) is an error,
as is every ingest that does not exit 0 with a new snapshot. The figures (p50, p95 and max
latency per phase, requests, commits and the time between commits) are printed and written
to ``--report`` as JSON. Nothing here asserts a duration: the test asserts the errors only.

A page's GET is its HTML shell (Dash then asks for its figures through callbacks); the data
behind the pages is read through ``/api/claims``, ``/api/estimates``, ``/api/snapshots`` and
``/api/sql``, which go through the same pipeline and results cache as the pages' callbacks.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: The duration ``make soak`` sets; the test's default is 15 s.
SECONDS_ENV = "COSTBOARD_LOAD_SECONDS"

SQL = "SELECT subject, count(*) AS claims FROM claims GROUP BY subject ORDER BY claims DESC"

PATHS = [
    "/",
    "/claims",
    "/market",
    "/history",
    "/sql",
    "/plugins",
    "/ladder",
    "/what-if",
    "/api/snapshots",
    "/api/claims?subject=deepseek-v3",
    "/api/estimates?subject=deepseek-v3",
    "/api/sql?" + urllib.parse.urlencode({"q": SQL}),
]

MAX_REQUESTS_PER_CLIENT = 100_000
REQUEST_TIMEOUT_SECONDS = 60.0
INGEST_EVERY_SECONDS = 1.0

CLAIM_HEADER = (
    "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url,source_title\n"
)


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: (milliseconds, path) of every request, to name the slowest.
    timed: list[tuple[float, str]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.latencies_ms)
        cuts = statistics.quantiles(ordered, n=100) if len(ordered) >= 2 else ordered * 99
        return {
            "phase": self.name,
            "seconds": round(self.seconds, 1),
            "requests": len(ordered),
            "errors": len(self.errors),
            "p50_ms": round(cuts[49], 1) if cuts else None,
            "p95_ms": round(cuts[94], 1) if cuts else None,
            "max_ms": round(ordered[-1], 1) if ordered else None,
            "slowest": [f"{ms:.0f} ms {path}" for ms, path in sorted(self.timed)[-5:][::-1]],
        }


@dataclass
class IngestRun:
    started: float
    seconds: float
    exit_code: int
    output: str


@dataclass
class Result:
    clients: int
    workers: int
    idle: Phase
    busy: Phase
    ingests: list[IngestRun] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        failed = [
            f"ingest {n} exited {run.exit_code}: {run.output.strip()[-300:]}"
            for n, run in enumerate(self.ingests)
            if run.exit_code != 0 or "snapshot " not in run.output
        ]
        return self.idle.errors + self.busy.errors + failed

    def summary(self) -> dict[str, object]:
        # A run's end is its commit (give or take its exit): the time between commits.
        ends = sorted(run.started + run.seconds for run in self.ingests)
        gaps = [b - a for a, b in itertools.pairwise(ends)]
        return {
            "clients": self.clients,
            "workers": self.workers,
            "paths": PATHS,
            "idle": self.idle.summary(),
            "during_ingest": self.busy.summary(),
            "ingests": len(self.ingests),
            "ingests_failed": sum(run.exit_code != 0 for run in self.ingests),
            "seconds_between_commits_median": round(statistics.median(gaps), 2) if gaps else None,
            "ingest_seconds_median": round(statistics.median(r.seconds for r in self.ingests), 2)
            if self.ingests
            else None,
            "errors": self.errors[:20],
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(home: Path) -> list[str]:
    return [sys.executable, "-m", "costboard.cli", "--home", str(home)]


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


@contextmanager
def serving(home: Path, log: Path, workers: int) -> Iterator[int]:
    """``costboard serve`` on a free loopback port; yields the port once /healthz says 200."""
    port = _free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [*_cli(home), "serve", "--port", str(port), "--workers", str(workers)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    waiting = threading.Event()  # never set: its wait is the polling clock
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                if _get(port, "/healthz") == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"costboard serve did not start:\n{log.read_text()[-2000:]}")
            waiting.wait(0.25)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _client(port: int, offset: int, until: float, phase: Phase, lock: threading.Lock) -> None:
    for n in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= until:
            return
        path = PATHS[(offset + n) % len(PATHS)]
        started = time.perf_counter()
        try:
            status = _get(port, path)
        except OSError as error:
            with lock:
                phase.errors.append(f"{path}: {type(error).__name__}: {error}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            phase.latencies_ms.append(elapsed)
            phase.timed.append((elapsed, path))
            if status != 200:
                phase.errors.append(f"{path}: HTTP {status}")


def _phase(name: str, port: int, clients: int, seconds: float) -> Phase:
    phase, lock = Phase(name), threading.Lock()
    started = time.monotonic()
    threads = [
        threading.Thread(target=_client, args=(port, i, started + seconds, phase, lock))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    return phase


def _claim_file(folder: Path, n: int) -> Path:
    path = folder / f"load-{n}.csv"
    path.write_text(
        CLAIM_HEADER + f"load-{os.getpid()}-{n},deepseek-v3,training_cost,final_run,"
        f"{5 + n % 7}.{n % 10},usd_million,Load test,2025-02-01,"
        "https://example.org/load,Load test claims\n",
        encoding="utf-8",
    )
    return path


#: The writer: ``costboard ingest`` (the CLI's own command, through click) once per line
#: read, in one long-lived process, so that an interpreter's start-up (Python, polars,
#: DuckDB, the plugins: seconds on a busy machine) does not pace the commits.
WRITER = textwrap.dedent(
    """
    import sys
    from costboard.cli import main
    home = sys.argv[1]
    for line in sys.stdin:
        path, message = line.rstrip("\\n").split("\\t")
        try:
            main(["--home", home, "ingest", path, "-m", message, "--author", "load"],
                 standalone_mode=False)
            code = 0
        except SystemExit as stopped:
            code = stopped.code if isinstance(stopped.code, int) else 1
        except Exception as error:
            print(f"{type(error).__name__}: {error}")
            code = 1
        print(f"{DONE} {code}", flush=True)
    """
).replace("{DONE}", "@@costboard-load-done")
DONE = "@@costboard-load-done"


def _ingest_loop(home: Path, folder: Path, stop: threading.Event, runs: list[IngestRun]) -> None:
    """One ``costboard ingest`` of a new claim a second (or back to back when one takes
    longer): the pacing clock is ``stop.wait(timeout)``, which ``stop.set()`` ends at once."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(home)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert writer.stdin is not None and writer.stdout is not None
    try:
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            writer.stdin.write(f"{_claim_file(folder, n)}\tload test claim {n}\n")
            writer.stdin.flush()
            lines = []
            for line in writer.stdout:
                if line.startswith(DONE):
                    code = int(line.split()[1])
                    break
                lines.append(line)
            else:
                code = -1  # the writer died: its output says why
            runs.append(IngestRun(started, time.monotonic() - started, code, "".join(lines)))
            if code == -1:
                return
            n += 1
            stop.wait(max(0.0, started + INGEST_EVERY_SECONDS - time.monotonic()))
    finally:
        writer.stdin.close()
        writer.wait(timeout=600)


def run(home: Path, scratch: Path, *, seconds: float, clients: int = 8, workers: int = 2) -> Result:
    """The two phases against ``home`` (a warehouse this run may write to)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with serving(home, scratch / "serve.log", workers) as port:
        # One request per path first, so the idle figures are not the first visitor's.
        for path in PATHS:
            _get(port, path)
        idle = _phase("idle", port, clients, max(5.0, seconds / 3))
        stop, runs = threading.Event(), []
        writer = threading.Thread(target=_ingest_loop, args=(home, scratch, stop, runs))
        writer.start()
        try:
            busy = _phase("during ingest", port, clients, seconds)
        finally:
            stop.set()
            writer.join()
    return Result(clients, workers, idle, busy, runs)


def report(result: Result, path: Path | None) -> str:
    text = json.dumps(result.summary(), indent=2)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")
    return text


def demo_home(folder: Path) -> Path:
    """The demo warehouse with estimates, made through the CLI in ``folder``."""
    home = folder / "home"
    for args in (["init", "--demo"], ["estimate"]):
        subprocess.run([*_cli(home), *args], check=True, capture_output=True)
    return home


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="copied first: the run writes to it")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get(SECONDS_ENV, "15")))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report", type=Path)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="costboard-load-") as folder:
        scratch = Path(folder)
        if options.home:
            home = scratch / "home"
            shutil.copytree(options.home, home)
        else:
            home = demo_home(scratch)
        result = run(
            home,
            scratch / "run",
            seconds=options.seconds,
            clients=options.clients,
            workers=options.workers,
        )
    print(report(result, options.report))
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
