"""Input errors: every one names the file, the line and the column it is about."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

#: At most this many errors are reported per file (the rest are counted).
MAX_ERRORS_PER_FILE = 50


@dataclass(frozen=True, order=True)
class InputError:
    file: str
    line: int
    column: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        what = f"column '{self.field}': " if self.field else ""
        return f"{where}: {what}{self.message}"


class IngestError(Exception):
    """Raised when any input is bad. Nothing has been written."""

    def __init__(self, errors: list[InputError], omitted: int = 0) -> None:
        self.errors = sorted(errors)
        self.omitted = omitted
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(e) for e in self.errors]
        if self.omitted:
            lines.append(f"... and {self.omitted} more errors")
        count = len(self.errors) + self.omitted
        lines.append(f"{count} error{'s' if count != 1 else ''}; nothing was written")
        return "\n".join(lines)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choices, or '' when none is close."""
    close = difflib.get_close_matches(value, list(choices), n=3, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if value.lower() in lowered:
            close = [lowered[value.lower()]]
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
