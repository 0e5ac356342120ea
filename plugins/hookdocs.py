"""docs/plugins.md's "Hooks" reference, generated from the hookspec docstrings.

The contract of each hook is written once, in ``plugins/hookspecs.py``; this renders it as
Markdown between two markers of docs/plugins.md. A test fails when the file is out of date;
``python -m costboard.plugins.hookdocs docs/plugins.md`` rewrites it.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Final

from costboard.plugins import hookspecs

BEGIN: Final = (
    "<!-- generated from the docstrings of plugins/hookspecs.py by "
    "`python -m costboard.plugins.hookdocs docs/plugins.md`: edit those, not this -->"
)
END: Final = "<!-- end of the generated hook reference -->"


def hook_names() -> list[str]:
    """The hooks, as the hookspec module declares them (by name)."""
    return sorted(
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "costboard_spec")
    )


def render_hook(name: str) -> str:
    """One hook's section: its heading, the signature a plugin implements, its docstring."""
    function = getattr(hookspecs, name)
    signature = inspect.signature(function)
    arguments = ", ".join(str(parameter) for parameter in signature.parameters.values())
    doc = inspect.getdoc(function) or ""
    # The docstring's reST fields, as the rest of docs/plugins.md writes them.
    doc = re.sub(r"^:return:", "**Returns:**", doc, flags=re.MULTILINE)
    doc = re.sub(r"^:param (\w+):", r"**`\1`:**", doc, flags=re.MULTILINE)
    return (
        f"### {name}\n\n```python\n@hookimpl\n"
        f"def {name}({arguments}) -> {signature.return_annotation}: ...\n```\n\n{doc}\n"
    )


def render() -> str:
    """Every hook's section, between the markers."""
    return "\n".join([BEGIN, "", *(render_hook(name) for name in hook_names()), END])


def rewrite(text: str) -> str:
    """``text`` (docs/plugins.md) with its generated hook reference brought up to date."""
    before, begin, rest = text.partition(BEGIN)
    _, end, after = rest.partition(END)
    if not (begin and end):
        raise ValueError("the hook reference markers are missing")
    return before + render() + after


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.write_text(rewrite(target.read_text(encoding="utf-8")), encoding="utf-8")
