"""Importers: the ingest formats, each a name, a header test and a mapping onto costboard's tables.

An :class:`Importer` turns a file as read (:class:`~costboard.warehouse.readers.RawTable`)
into tables in costboard's own layouts (``claims``, ``subjects``, ``prices``), which ingest
then validates like any costboard file. Each output table is itself a ``RawTable`` whose
``path``, ``line_of_row`` and ``column_of`` point back into the ORIGINAL file, so a value
that fails validation is reported at the file, line and column the user can open.

The type lives here, in the warehouse, because ingest uses it and the warehouse imports
nothing from ``plugins``; the ``costboard_importers`` hook (plugins/hookspecs.py) hands
instances of it to ingest. :func:`built_in_importers` are the formats costboard ships; the
plugin manager registers them through ``plugins/default_importers.py`` like any plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from costboard.warehouse.errors import IngestError, InputError
from costboard.warehouse.names import IMPORTER_NAME_PATTERN
from costboard.warehouse.readers import RawTable

#: The tables an importer may fill (each is validated by ingest like a costboard file).
OUTPUT_KINDS = ("claims", "subjects", "prices")


@dataclass(frozen=True)
class ImportOptions:
    """What the user said on the command line about the files (``--ticker``)."""

    ticker: str | None = None


@dataclass
class ImportedTable:
    """One output table: ``kind`` names the layout (claims, subjects or prices).

    ``subject_kind`` (claims and subjects only) asks ingest to resolve subject ids by name:
    a subject id this table made from a name becomes the existing subject of that kind with
    that exact ``name`` (see warehouse/resolve.py); ``qualifier_kind`` does the same for the
    claims' qualifiers (Epoch's chip qualifiers). ``None``: ids are taken as written.
    """

    kind: str
    table: RawTable
    subject_kind: str | None = None
    qualifier_kind: str | None = None


@dataclass
class Imported:
    """What an importer made of one file: its tables, and the rows it reported and skipped."""

    tables: list[ImportedTable] = field(default_factory=list)
    skipped: list[InputError] = field(default_factory=list)


@dataclass(frozen=True)
class Importer:
    """An ingest format.

    ``name`` is what ``--kind`` takes; ``recognises(table)`` says from the header (and, if
    it must, the first rows) whether a file is of this format; ``convert(table, options)``
    maps it onto costboard's layouts, raising :class:`IngestError` (with the original file,
    line and column) for a malformed value and listing rows it cannot use in
    ``Imported.skipped``. ``convert`` must not keep state between calls.
    """

    name: str
    description: str
    recognises: Callable[[RawTable], bool]
    convert: Callable[[RawTable, ImportOptions], Imported]

    def problems(self) -> list[str]:
        """What is wrong with this importer as a plugin's offer (empty when sound)."""
        found = []
        if not isinstance(self.name, str) or not IMPORTER_NAME_PATTERN.match(self.name):
            found.append(
                f"importer name {self.name!r} is not lower-case letters, digits, '-' or '_'"
            )
        if not callable(self.recognises) or not callable(self.convert):
            found.append(f"importer '{self.name}': recognises and convert must be callable")
        return found


def same_layout(kind: str) -> Callable[[RawTable, ImportOptions], Imported]:
    """The conversion of a file already in costboard's ``kind`` layout: the file itself."""

    def convert(table: RawTable, options: ImportOptions) -> Imported:
        return Imported([ImportedTable(kind, table)])

    return convert


def detect(table: RawTable, importers: Sequence[Importer]) -> Importer:
    """The first importer that recognises ``table`` (built-ins come first: see the manager)."""
    for importer in importers:
        if importer.recognises(table):
            return importer
    names = "|".join(i.name for i in importers)
    raise IngestError(
        [
            InputError(
                table.path,
                1,
                1,
                f"cannot tell what kind of file this is from its header; pass --kind ({names})",
            )
        ]
    )


def built_in_importers() -> list[Importer]:
    """costboard's own formats, in the order their headers are tried."""
    # Imported here: the format modules import this one for the Importer type.
    from costboard.warehouse import epoch_hardware, epoch_models, formats, fred

    return [
        *formats.IMPORTERS,
        epoch_models.IMPORTER,
        epoch_hardware.CHIPS_IMPORTER,
        epoch_hardware.PRICES_IMPORTER,
        fred.IMPORTER,
    ]


def built_in_names() -> frozenset[str]:
    """The reserved importer names."""
    return frozenset(i.name for i in built_in_importers())
