"""No built-in ``default_*`` module imports another: what two estimators share lives in a shared
module (plugins/defaults.py, formulas.py, hardware.py, ...), so each plugin stands alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
DEFAULT_MODULES = sorted(PLUGINS.glob("default_*.py"))


def sibling_imports(source: str) -> list[str]:
    """The ``default_*`` modules ``source`` imports, in any spelling: ``import
    costboard.plugins.default_x``, ``from costboard.plugins.default_x import y``, ``from
    costboard.plugins import default_x``, ``from . import default_x``, ``from .default_x import
    y``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            found.extend(p for p in parts if p.startswith("default_"))
    return sorted(set(found))


def test_the_default_modules_are_found() -> None:
    names = {p.stem for p in DEFAULT_MODULES}
    assert {"default_cloud_rental", "default_compute_6nd", "default_fleet_ownership"} <= names


@pytest.mark.parametrize("path", DEFAULT_MODULES, ids=lambda p: p.stem)
def test_no_default_module_imports_another(path: Path) -> None:
    assert sibling_imports(path.read_text(encoding="utf-8")) == [], (
        f"{path.name} imports a sibling default_* module: move what they share to a shared "
        "module (plugins/defaults.py)"
    )


@pytest.mark.parametrize(
    "line",
    [
        "from costboard.plugins.default_cloud_rental import RENTAL_PRICE",
        "from costboard.plugins import formulas, default_compute_6nd",
        "import costboard.plugins.default_hardware_acquisition as acquisition",
        "from .default_cloud_rental import RENTAL_PRICE",
        "from . import default_fleet_ownership",
        "def f():\n    from costboard.plugins.default_compute_6nd import UTILIZATION",
    ],
)
def test_every_spelling_of_a_sibling_import_is_caught(line: str) -> None:
    assert sibling_imports(f"import polars as pl\n{line}\n") != []


def test_shared_modules_are_not_mistaken_for_siblings() -> None:
    source = "from costboard.plugins.defaults import RENTAL_PRICE\nfrom costboard import hookimpl\n"
    assert sibling_imports(source) == []
