"""What a reader checks before it parses: a regular file, and JSON no deeper than the formats.

Both turn what would otherwise be a traceback or a hang into one error naming the file:

- a directory, a FIFO or a device (``/dev/zero``) given as a file is named for what it is,
  found with ``os.stat`` before anything is opened (opening a FIFO blocks until a writer
  comes; reading ``/dev/zero`` never ends); the file is then opened non-blocking and checked
  again on its descriptor, in case it was swapped in between;
- claims JSON is a list of flat objects whose values may be a list of plain values
  (``cites``): nesting deeper is refused at the bracket that goes too deep, before
  ``json.loads`` runs, so Python's recursion limit (a 100,000-deep ``[[[[...``) is never met.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
from pathlib import Path
from typing import Final

from costboard.warehouse.errors import IngestError, InputError

#: A JSON file's deepest nesting: the array of records, a record, a list value (cites).
JSON_DEPTH: Final = 3
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_NOT_BRACKET = re.compile(r"[^\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular one."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(path: Path, message: str) -> IngestError:
    return IngestError([InputError(str(path), 1, 1, message)])


def regular_file_bytes(path: Path) -> bytes:
    """The bytes of ``path``; an IngestError when it is missing, unreadable or not a file."""
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind is not None:
            raise _refuse(path, f"is {kind}, not a regular file")
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _refuse(path, "no such file") from None
    except OSError as error:
        raise _refuse(path, f"cannot read it: {os.strerror(error.errno or errno.EIO)}") from None
    with os.fdopen(descriptor, "rb") as file:
        kind = _kind(os.fstat(file.fileno()).st_mode)
        if kind is not None:
            raise _refuse(path, f"is {kind}, not a regular file")
        return file.read()


def _position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def too_deep(name: str, text: str, limit: int) -> None:
    """Refuse JSON ``text`` nested deeper than ``limit``, at the first bracket too deep."""
    # Fast pass: brackets outside strings only, their running depth summed in C.
    brackets = _NOT_BRACKET.sub("", _STRING.sub('""', text))
    if not brackets or max(itertools.accumulate(_STEP[b] for b in brackets)) <= limit:
        return
    depth = 0  # slow pass, only for a file already known to be bad: where it goes too deep
    for match in _STRING_OR_BRACKET.finditer(text):
        depth += _STEP.get(match.group(), 0)
        if depth > limit:
            line, column = _position(text, match.start())
            raise IngestError(
                [
                    InputError(
                        name,
                        line,
                        column,
                        f"JSON nested deeper than {limit} levels: records are flat objects "
                        "whose values are plain values or a list of them (cites)",
                    )
                ]
            )


def nested_fields(name: str, text: str, record: dict[str, object], start: int) -> list[InputError]:
    """A record's fields holding an object or a list of non-plain values, at their key."""
    errors = []
    for key, value in record.items():
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, dict | list) for item in items):
            found = text.find(f'"{key}"', start)
            line, column = _position(text, found if found >= 0 else start)
            errors.append(
                InputError(
                    name,
                    line,
                    column,
                    "a field holds a JSON object or a nested list: records are flat objects "
                    "whose values are plain values or a list of them (cites)",
                    key,
                )
            )
    return errors
