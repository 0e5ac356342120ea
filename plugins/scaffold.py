"""``costboard plugins new NAME``: scaffold a pip-installable estimator plugin package.

The package ``costboard-NAME`` holds a pyproject declaring the ``costboard`` entry point, a
module ``costboard_NAME`` with one estimator, and a test that passes as generated. The
templates live in ``templates/`` beside this module.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template
from typing import Final

from costboard.warehouse.names import NAME_PATTERN

#: template file -> path inside the package folder ({module} is the module's name)
FILES: Final = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "module.py.tmpl": "{module}/__init__.py",
    "test_plugin.py.tmpl": "tests/test_{name}.py",
}


def plugin_names(name: str) -> dict[str, str]:
    """The names a plugin called ``name`` gets: estimator/entry point, module, distribution."""
    estimator = name.strip().lower().replace("-", "_")
    if not NAME_PATTERN.match(estimator):
        raise ValueError(
            f"'{name}' cannot name a plugin: use lower-case letters, digits and underscores, "
            "starting with a letter (e.g. my_rental)"
        )
    return {
        "name": estimator,
        "module": f"costboard_{estimator}",
        "package": f"costboard-{estimator}",
    }


def new_plugin(name: str, directory: Path | str = ".") -> Path:
    """Write the package folder ``directory/costboard-NAME``; returns it. Never overwrites."""
    names = plugin_names(name)
    folder = Path(directory) / names["package"]
    if folder.exists():
        raise ValueError(f"{folder} already exists: choose another name or directory")
    templates = resources.files("costboard.plugins") / "templates"
    for template, target in FILES.items():
        text = Template((templates / template).read_text(encoding="utf-8")).substitute(names)
        path = folder / target.format(**names)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
