"""Read input files into frames of text, remembering where every field came from.

A reader never interprets values (that is validation's job); it only turns bytes into a
polars frame of strings and knows, for any row and field, the line and column it was read
from. Structural problems (empty, binary, not UTF-8, malformed CSV or JSON) are reported as
:class:`~costboard.warehouse.errors.InputError` with their position.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from costboard.warehouse.errors import IngestError, InputError
from costboard.warehouse.read_guards import JSON_DEPTH, nested_fields, regular_file_bytes, too_deep

#: Files larger than this are read in batches behind a progress bar.
LARGE_FILE_BYTES = 8 * 1024 * 1024


@dataclass
class RawTable:
    """A file's rows as strings, with ``line_of_row`` giving each row's first line."""

    path: str
    frame: pl.DataFrame
    header: list[str]
    format: str  # csv | json | jsonl
    line_of_row: pl.Series | None = (
        None  # None: row i is on line i + 2 (CSV without quoted newlines)
    )
    json_spans: list[tuple[int, int]] = field(
        default_factory=list
    )  # (start, end) offsets per record
    text: str = ""
    #: For a table an importer derived from another file: per field, each row's 1-based
    #: column in that original file (fields not listed point at column 1).
    column_of: dict[str, pl.Series] | None = None

    def line(self, row: int) -> int:
        if self.format == "csv":
            return int(self.line_of_row[row]) if self.line_of_row is not None else row + 2
        start, _ = self.json_spans[row]
        return self.text.count("\n", 0, start) + 1

    def locate(self, row: int, field_name: str | None) -> tuple[int, int]:
        """(line, column) of ``field_name`` in ``row`` (1-based); the row's start if unknown."""
        if self.column_of is not None:
            columns = self.column_of.get(field_name or "")
            return self.line(row), int(columns[row]) if columns is not None else 1
        if self.format == "csv":
            column = self.header.index(field_name) + 1 if field_name in self.header else 1
            return self.line(row), column
        start, end = self.json_spans[row]
        offset = start
        if field_name is not None:
            found = self.text.find(json.dumps(field_name), start, end)
            if found >= 0:
                offset = found
        line_start = self.text.rfind("\n", 0, offset) + 1
        return self.text.count("\n", 0, offset) + 1, offset - line_start + 1

    def error(self, row: int, field_name: str | None, message: str) -> InputError:
        line, column = self.locate(row, field_name)
        return InputError(self.path, line, column, message, field_name)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def decode(path: Path, raw: bytes) -> str:
    """The file's text, or an IngestError for an empty, binary or non-UTF-8 file."""
    name = str(path)
    if not raw.strip():
        raise IngestError([InputError(name, 1, 1, "the file is empty")])
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        column = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise IngestError(
            [
                InputError(
                    name, line, column, "the file looks binary (NUL byte); expected UTF-8 text"
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise IngestError(
            [InputError(name, line, column, f"not UTF-8 text (byte 0x{raw[error.start]:02x})")]
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise IngestError([InputError(name, 1, 1, "the file is empty (only a byte-order mark)")])
    return text


def read_header(text: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text.partition("\n")[0])), [])
    return [h.strip() for h in first]


def read_csv(path: Path, text: str, raw: bytes | None = None) -> RawTable:
    """Parse CSV text into strings with polars; locate structural errors with the csv module.

    ``raw`` (the file's bytes, already checked to be UTF-8) spares polars a re-encoding of
    ``text``: about 1 s of a 5M-row file.
    """
    name = str(path)
    header = read_header(text)
    errors = _header_errors(name, header)
    if errors:
        raise IngestError(errors)
    try:
        frame = pl.read_csv(
            raw.removeprefix(b"\xef\xbb\xbf") if raw is not None else io.StringIO(text),
            infer_schema=False,
            has_header=True,
            new_columns=header,
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as error:
        raise IngestError(_locate_csv_structure_errors(name, text, header, error)) from None
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in header)
    table = RawTable(name, frame, header, "csv")
    # Quoted fields may span lines; only then is a row's line worth computing row by row.
    if text.count("\n") - (0 if text.endswith("\n") else -1) != frame.height + 1:
        table.line_of_row = _csv_line_numbers(text)
    return table


def _header_errors(name: str, header: list[str]) -> list[InputError]:
    errors = []
    seen: dict[str, int] = {}
    for index, column in enumerate(header, start=1):
        if not column:
            errors.append(InputError(name, 1, index, "empty column name in the header"))
        elif column in seen:
            errors.append(
                InputError(
                    name, 1, index, f"column '{column}' appears twice (also column {seen[column]})"
                )
            )
        seen.setdefault(column, index)
    return errors


def _csv_line_numbers(text: str) -> pl.Series:
    # A lone carriage return inside a field (Epoch's chip dataset has one after a name) is
    # data to polars but a line break to the csv module; lines are counted by "\n" only.
    reader = csv.reader(io.StringIO(re.sub(r"\r(?!\n)", " ", text)))
    next(reader, None)
    lines = []
    start = reader.line_num + 1
    for _ in reader:
        lines.append(start)
        start = reader.line_num + 1
    return pl.Series("line", lines, dtype=pl.Int64)


def _locate_csv_structure_errors(
    name: str, text: str, header: list[str], error: Exception
) -> list[InputError]:
    reader = csv.reader(io.StringIO(text), strict=True)
    errors: list[InputError] = []
    try:
        next(reader)
        start = reader.line_num + 1
        for row in reader:
            if row and len(row) != len(header):
                column = min(len(row), len(header)) + 1
                errors.append(
                    InputError(
                        name,
                        start,
                        column,
                        f"expected {len(header)} fields, found {len(row)}",
                    )
                )
                if len(errors) >= 20:
                    break
            start = reader.line_num + 1
    except csv.Error as csv_error:
        errors.append(InputError(name, reader.line_num, 1, f"malformed CSV: {csv_error}"))
    if not errors:
        errors.append(InputError(name, 1, 1, f"malformed CSV: {error}"))
    return errors


def read_json(path: Path, text: str) -> RawTable:
    """A JSON array of objects, or JSON Lines (one object per line)."""
    name = str(path)
    stripped = text.lstrip()
    decoder = json.JSONDecoder()
    records: list[dict[str, object]] = []
    spans: list[tuple[int, int]] = []
    errors: list[InputError] = []
    if stripped.startswith("["):
        fmt = "json"
        too_deep(name, text, JSON_DEPTH)
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise IngestError(
                [InputError(name, error.lineno, error.colno, f"malformed JSON: {error.msg}")]
            ) from None
        offset = text.index("[") + 1
        while True:
            while offset < len(text) and text[offset] in " \t\r\n,":
                offset += 1
            if offset >= len(text) or text[offset] == "]":
                break
            value, end = decoder.raw_decode(text, offset)
            records.append(value)
            spans.append((offset, end))
            offset = end
    else:
        fmt = "jsonl"
        offset = 0
        too_deep(name, text, JSON_DEPTH - 1)
        for line in text.splitlines(keepends=True):
            if line.strip():
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    line_no, _ = _position(text, offset)
                    errors.append(
                        InputError(name, line_no, error.colno, f"malformed JSON: {error.msg}")
                    )
                    value = None
                if value is not None:
                    records.append(value)
                    spans.append((offset, offset + len(line.rstrip("\r\n"))))
            offset += len(line)
    for index, (record, (start, _)) in enumerate(zip(records, spans, strict=True)):
        if not isinstance(record, dict):
            line, column = _position(text, start)
            errors.append(
                InputError(name, line, column, f"record {index + 1} is not a JSON object")
            )
        else:
            errors.extend(nested_fields(name, text, record, start))
    if errors:
        raise IngestError(errors)
    header: list[str] = []
    for record in records:
        header.extend(k for k in record if k not in header)
    rows = {column: [_as_text(record.get(column)) for record in records] for column in header}
    frame = pl.DataFrame(rows, schema={c: pl.String for c in header})
    return RawTable(name, frame, header, fmt, json_spans=spans, text=text)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:  # NaN survives as text for validation
        return "nan"
    if isinstance(value, list):  # a JSON list ("cites": ["a", "b"]) reads as CSV's "a;b"
        return ";".join(str(item).strip() for item in value)
    return str(value).strip()


def read(path: Path) -> tuple[RawTable, str]:
    """Read ``path`` as CSV or JSON (by content); returns the table and its text."""
    raw = regular_file_bytes(path)
    text = decode(path, raw)
    if text.lstrip().startswith(("[", "{")):
        return read_json(path, text), text
    return read_csv(path, text, raw), text
