"""The dashboard under gunicorn, for ``costboard serve --workers N`` with N > 1.

``costboard serve`` replaces its own process with ``python -m costboard.dashboard.server``
(``os.execv``) rather than starting gunicorn in place: the command line has imported polars
and DuckDB by then, and forked workers inherit their native state without their threads.
Measured here: every gthread worker died with SIGSEGV at exit, and polars documents that a
fork after its thread pool started can deadlock the child. This module imports neither; each
worker builds the app (and its DuckDB instance) after the fork, and they share only the
results cache on disk.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from gunicorn.app.base import BaseApplication

from costboard.warehouse.config import WarehouseConfig

#: Threads per worker: a request mostly waits on DuckDB, which releases the GIL.
THREADS = 8


def _worker_exit(_server: Any, worker: Any) -> None:
    from costboard.dashboard.app import shutdown

    shutdown(worker.wsgi)


class Dashboard(BaseApplication):  # type: ignore[misc]
    def __init__(self, config: WarehouseConfig, bind: str, workers: int) -> None:
        self.config, self.bind, self.workers = config, bind, workers
        super().__init__()

    def load_config(self) -> None:
        settings = {
            "bind": self.bind,
            "workers": self.workers,
            "worker_class": "gthread",
            "threads": THREADS,
            "timeout": 120,
            "accesslog": "-",
            "worker_exit": _worker_exit,
            # gunicorn's control socket would be a file in the user's home: not needed here.
            "control_socket_disable": True,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from costboard.dashboard.app import create_app

        return create_app(self.config).server


def command(config: WarehouseConfig, host: str, port: int, workers: int) -> list[str]:
    """The command line that runs this module for ``config``."""
    return [
        sys.executable,
        "-m",
        "costboard.dashboard.server",
        "--home",
        str(config.home),
        "--catalog",
        config.catalog,
        "--data-path",
        config.data_path,
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m costboard.dashboard.server")
    for option in ("--home", "--catalog", "--data-path", "--host"):
        parser.add_argument(option, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    args = parser.parse_args(argv)
    config = WarehouseConfig.resolve(args.home, args.catalog, args.data_path)
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    Dashboard(config, bind, args.workers).run()


if __name__ == "__main__":
    main()
