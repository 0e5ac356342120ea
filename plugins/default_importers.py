"""The built-in importers: costboard's own file kinds, market exports, Epoch AI's files, FRED.

Registered through the ``costboard`` entry-point group exactly like a third-party plugin
(pyproject.toml); the formats themselves live in the warehouse (warehouse/importers.py),
which ingest uses without the plugins. Their names are reserved.
"""

from __future__ import annotations

from costboard.plugins.hookspecs import hookimpl
from costboard.warehouse.importers import Importer, built_in_importers


@hookimpl
def costboard_importers() -> list[Importer]:
    return built_in_importers()
