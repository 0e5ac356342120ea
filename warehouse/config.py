"""Where the warehouse lives: its home folder, its catalog and its data path.

Resolution order for each: an explicit argument, then the environment, then the default.

- home: ``--home`` or ``COSTBOARD_HOME``, default ``~/.costboard``.
- catalog: ``--catalog`` or ``COSTBOARD_CATALOG``: ``postgresql://user@host:port/db``, libpq's
  ``postgres:dbname=costboard host=db``, or ``sqlite:/srv/costboard/catalog.sqlite`` (read by
  :mod:`costboard.warehouse.catalog`, which keeps any password apart from the catalog string).
  Default ``sqlite:<home>/catalog.sqlite``.
- data path: ``--data-path`` or ``COSTBOARD_DATA_PATH``, where DuckLake writes Parquet files. Default
  ``<home>/data/``; a PostgreSQL catalog has no default (it is shared: its data path must be too).
- read catalog: ``costboard serve --read-catalog`` or ``COSTBOARD_READ_CATALOG``, the same
  PostgreSQL catalog reached through a role that can only read it; every read the dashboard
  makes goes through it (:meth:`WarehouseConfig.reading_through`), while the CLI's writer keeps
  the catalog. Default: the catalog itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from costboard.warehouse import catalog as catalog_strings

DEFAULT_HOME = Path("~/.costboard")

#: The catalog ``costboard serve`` reads through when ``--read-catalog`` is not given.
READ_CATALOG_ENV = "COSTBOARD_READ_CATALOG"


@dataclass(frozen=True)
class WarehouseConfig:
    home: Path
    #: The catalog as DuckLake attaches it; never holds a password, so it is safe to print.
    catalog: str
    data_path: str
    #: The catalog's password when the URL or keyword string gave one (kept out of ``catalog``).
    catalog_password: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def resolve(
        cls,
        home: str | os.PathLike[str] | None = None,
        catalog: str | None = None,
        data_path: str | None = None,
    ) -> WarehouseConfig:
        home_path = Path(home or os.environ.get("COSTBOARD_HOME") or DEFAULT_HOME).expanduser()
        home_path = home_path.resolve()
        written = (
            catalog or os.environ.get("COSTBOARD_CATALOG") or f"sqlite:{home_path}/catalog.sqlite"
        )
        parsed = catalog_strings.parse(written)
        data_path = data_path or os.environ.get("COSTBOARD_DATA_PATH")
        if not data_path and parsed.text.startswith("postgres:"):
            # A server catalog is shared; a data path defaulting to this machine's home would
            # put this machine's files where no other member of the team can read them.
            raise catalog_strings.CatalogError(
                "a PostgreSQL catalog needs its data path: set COSTBOARD_DATA_PATH (or "
                "--data-path) to the folder or s3://bucket/prefix/ every member of the team reaches"
            )
        data_path = data_path or f"{home_path}/data/"
        return cls(home_path, parsed.text, data_path, parsed.password)

    def environment(self) -> dict[str, str]:
        """The variables that make a child process (a server worker) resolve this config.

        Through the environment rather than the command line: a command line is visible to
        every user of the machine (``ps``), and the catalog may carry a password.
        """
        written = self.catalog
        if self.catalog_password:
            written += " password=" + catalog_strings.quote(self.catalog_password)
        return {
            "COSTBOARD_HOME": str(self.home),
            "COSTBOARD_CATALOG": written,
            "COSTBOARD_DATA_PATH": self.data_path,
        }

    def reading_through(self, written: str | None = None) -> WarehouseConfig:
        """This warehouse read through the read catalog ``written`` (else
        ``COSTBOARD_READ_CATALOG``; neither: ``self``): same home and data path.

        Only a PostgreSQL catalog: a role that can only read is what it is for, and a SQLite
        or DuckDB file has no roles (a read-only attach is all it has).
        """
        written = written or os.environ.get(READ_CATALOG_ENV)
        if not written:
            return self
        parsed = catalog_strings.parse(written)
        if not parsed.text.startswith("postgres:"):
            raise catalog_strings.CatalogError(
                f"the read catalog {catalog_strings.redacted(written)!r} is not a PostgreSQL "
                "catalog: --read-catalog / COSTBOARD_READ_CATALOG names the team's PostgreSQL "
                "catalog as a read-only role reaches it (postgresql://reader@host/db)"
            )
        if self.catalog_type != "postgres" and self.data_path == f"{self.home}/data/":
            # The same rule as resolve(): this home's default folder is nobody else's.
            raise catalog_strings.CatalogError(
                "a PostgreSQL catalog needs its data path: set COSTBOARD_DATA_PATH (or "
                "--data-path) to the folder or s3://bucket/prefix/ every member of the team reaches"
            )
        return replace(self, catalog=parsed.text, catalog_password=parsed.password)

    @property
    def catalog_type(self) -> str:
        """The catalog database's kind: the part before the first colon (``sqlite``, ``postgres``)."""
        kind, sep, _ = self.catalog.partition(":")
        if not sep:
            # A bare path is a DuckDB-file catalog in DuckLake's own syntax.
            return "duckdb"
        return kind

    @property
    def lock_path(self) -> Path:
        """The cross-process write lock; it lives beside the warehouse's home."""
        return self.home / "write.lock"

    def exists(self) -> bool:
        """True when the catalog has been created (only knowable up front for file catalogs)."""
        if self.catalog_type == "sqlite":
            return Path(self.catalog.partition(":")[2]).exists()
        return True
