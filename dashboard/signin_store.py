"""Sign-in state every worker of one server shares: failed attempts, and the live sessions.

One SQLite file, ``<home>/signin.sqlite3`` (mode 0600, WAL so that readers never wait for a
writer): the ``limits`` library keeps moving windows only in one process's memory or in
network stores (Redis, Memcached, MongoDB), and a dashboard on one machine should not need a
server for this. It is the dashboard's own runtime state, like the users file and the session
key beside it, never the warehouse. On a shared filesystem each machine should have a home of
its own (SQLite's locks are not reliable over NFS).

- ``failures``: one row per failed attempt, by a hashed key (the user name and client
  address, or the address alone), with its time. A moving window is a count of a key's rows
  newer than the window; rows older than the longest window are dropped as new ones come.
- ``sessions``: one row per signed-in session, by the SHA-256 of the random id the signed
  cookie carries. Signing out deletes the row, so a copy of the cookie stops working on every
  worker at its next request; a row expires with the session.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "signin.sqlite3"
#: How long a writer waits for another worker's write (they take microseconds).
BUSY_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_key ON failures (key, at);
CREATE INDEX IF NOT EXISTS failures_by_time ON failures (at);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user TEXT NOT NULL, expires REAL NOT NULL
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Rate:
    """At most ``amount`` failures in any ``seconds`` (a moving window)."""

    amount: int
    seconds: float


def _digest(*parts: str) -> str:
    # NUL cannot occur in a header or a form value werkzeug hands over, so parts stay apart.
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class SigninStore:
    def __init__(
        self, path: Path, *, longest: float, clock: Callable[[], float] = time.time
    ) -> None:
        """``longest``: the longest window any rate uses (older failures are dropped)."""
        self.path, self.longest, self.clock = path, longest, clock
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created private: it names who failed from where, and which sessions are live.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        db = self._db()
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (gthread workers serve requests on several threads), in
        autocommit: a lone SELECT reads without a transaction of its own."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            self._local.db = db
        return db

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once (IMMEDIATE) so two workers queue rather than
        deadlock on upgrading a read lock."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- failed attempts -----------------------------------------------------------------

    def failures(self, rate: Rate, *key: str) -> int:
        """How many failures ``key`` had in ``rate``'s window, up to now."""
        since = self.clock() - rate.seconds
        row = (
            self._db()
            .execute(
                "SELECT count(*) FROM failures WHERE key = ? AND at > ?", (_digest(*key), since)
            )
            .fetchone()
        )
        return int(row[0])

    def fail(self, *keys: tuple[str, ...]) -> None:
        """Record one failure under each key."""
        now = self.clock()
        with self._writing() as db:
            db.execute("DELETE FROM failures WHERE at <= ?", (now - self.longest,))
            db.executemany(
                "INSERT INTO failures (key, at) VALUES (?, ?)",
                [(_digest(*key), now) for key in keys],
            )

    # -- sessions ------------------------------------------------------------------------

    def open_session(self, session_id: str, user: str, seconds: float) -> None:
        now = self.clock()
        with self._writing() as db:
            db.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
            db.execute(
                "INSERT OR REPLACE INTO sessions (id, user, expires) VALUES (?, ?, ?)",
                (_digest(session_id), user, now + seconds),
            )

    def session_live(self, session_id: str, user: str) -> bool:
        row = (
            self._db()
            .execute(
                "SELECT 1 FROM sessions WHERE id = ? AND user = ? AND expires > ?",
                (_digest(session_id), user, self.clock()),
            )
            .fetchone()
        )
        return row is not None

    def close_session(self, session_id: str) -> None:
        with self._writing() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (_digest(session_id),))
