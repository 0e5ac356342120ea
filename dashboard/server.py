"""The dashboard under gunicorn: what ``costboard serve`` runs, for one worker as for many.

``costboard serve`` replaces its own process with ``python -m costboard.dashboard.server``
(``os.execv``) rather than starting gunicorn in place: the command line has imported polars
and DuckDB by then, and forked workers inherit their native state without their threads.
Measured here: every gthread worker died with SIGSEGV at exit, and polars documents that a
fork after its thread pool started can deadlock the child. This module imports neither; each
worker builds the app (and its DuckDB instance) after the fork, and they share only the
results cache on disk.

The warehouse comes through the environment (``WarehouseConfig.environment``), never the
command line: ``ps`` shows every process's arguments to every user of the machine, and the
catalog may carry a password. gunicorn writes its access log to stdout in its default format:
the request line, never a header or a form's body, so neither an ``Authorization`` header nor
the sign-in form's password (a POST) reaches it. On SIGTERM gunicorn stops accepting, lets
requests in flight finish (up to ``graceful_timeout``) and exits 0.
"""

from __future__ import annotations

import argparse
import os
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
    def __init__(
        self, config: WarehouseConfig, bind: str, workers: int, *, secure_cookie: bool = True
    ) -> None:
        self.config, self.bind, self.workers = config, bind, workers
        self.secure_cookie = secure_cookie
        super().__init__()

    def load_config(self) -> None:
        settings = {
            "bind": self.bind,
            "workers": self.workers,
            "worker_class": "gthread",
            "threads": THREADS,
            "timeout": 120,
            "graceful_timeout": 30,
            "accesslog": "-",
            # gunicorn's default format (the request line, never a header or a body), and
            # which worker answered.
            "access_log_format": '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(p)s',
            "worker_exit": _worker_exit,
            # gunicorn's control socket would be a file in the user's home: not needed here.
            "control_socket_disable": True,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from costboard.dashboard.app import create_app

        return create_app(self.config, secure_cookie=self.secure_cookie).server


def command(
    config: WarehouseConfig,
    host: str,
    port: int,
    workers: int,
    *,
    secure_cookie: bool = True,
    allowed_hosts: Sequence[str] = (),
    proxies: int | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run this module for ``config``.

    The command line holds no part of the warehouse's configuration; the environment does.
    The names the server answers to (``host`` itself, ``allowed_hosts`` and those already in
    ``COSTBOARD_ALLOWED_HOSTS``) and the trusted proxies (``proxies``, else the variable's)
    reach every worker through the environment too (dashboard/hosts.py reads it); each is
    checked here first.
    """
    from costboard.dashboard import hosts

    environment = {**os.environ, **config.environment()}
    names = [n for n in environment.get(hosts.ALLOWED_HOSTS_ENV, "").split(",") if n.strip()]
    # The bound address: a client that names it has reached this server directly.
    names += [host.strip("[]"), *allowed_hosts]
    environment[hosts.ALLOWED_HOSTS_ENV] = ",".join(n.strip() for n in names)
    if proxies is not None:
        environment[hosts.TRUSTED_PROXIES_ENV] = str(proxies)
    argv = [
        sys.executable,
        "-m",
        "costboard.dashboard.server",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if not secure_cookie:
        argv.append("--no-secure-cookie")
    # Checked now as every worker will read them: a typo is one line here, not dead workers.
    hosts.allowed_hosts(environ=environment)
    hosts.trusted_proxies(environ=environment)
    return argv, environment


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m costboard.dashboard.server")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--no-secure-cookie", action="store_true")
    args = parser.parse_args(argv)
    # COSTBOARD_HOME, COSTBOARD_CATALOG and COSTBOARD_DATA_PATH, as `costboard serve` set them.
    config = WarehouseConfig.resolve()
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    Dashboard(config, bind, args.workers, secure_cookie=not args.no_secure_cookie).run()


if __name__ == "__main__":
    main()
