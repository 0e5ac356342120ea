"""Where the warehouse lives: its home folder, its catalog and its data path.

Resolution order for each: an explicit argument, then the environment, then the default.

- home: ``--home`` or ``COSTBOARD_HOME``, default ``~/.costboard``.
- catalog: ``COSTBOARD_CATALOG``, a DuckLake catalog string without the ``ducklake:`` prefix,
  e.g. ``sqlite:/srv/costboard/catalog.sqlite`` or ``postgres:dbname=costboard host=db``.
  Default ``sqlite:<home>/catalog.sqlite``.
- data path: ``COSTBOARD_DATA_PATH``, where DuckLake writes Parquet files. Default ``<home>/data/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = Path("~/.costboard")


@dataclass(frozen=True)
class WarehouseConfig:
    home: Path
    catalog: str
    data_path: str

    @classmethod
    def resolve(
        cls,
        home: str | os.PathLike[str] | None = None,
        catalog: str | None = None,
        data_path: str | None = None,
    ) -> WarehouseConfig:
        home_path = Path(home or os.environ.get("COSTBOARD_HOME") or DEFAULT_HOME).expanduser()
        home_path = home_path.resolve()
        catalog = (
            catalog or os.environ.get("COSTBOARD_CATALOG") or f"sqlite:{home_path}/catalog.sqlite"
        )
        data_path = data_path or os.environ.get("COSTBOARD_DATA_PATH") or f"{home_path}/data/"
        return cls(home=home_path, catalog=catalog, data_path=data_path)

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
