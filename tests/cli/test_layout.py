"""The test suite's own layout: tests laid out like the code, every module of the product
imported by at least one test, and no test that sleeps (issue 18, point 5).

Read from the source trees with ``ast`` and regular expressions, nothing imported: a module
counts as tested when a file under tests/ imports it by name (``import costboard.x.y``,
``from costboard.x.y import ...`` or ``from costboard.x import y``); a module reached only
through another one does not count. Each check is also run on a planted breach.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from tests.conftest import REPO

TESTS = REPO / "tests"
#: The product's source folders and the import name each installs as (pyproject.toml).
PACKAGES = {
    "warehouse": "costboard.warehouse",
    "plugins": "costboard.plugins",
    "dashboard": "costboard.dashboard",
    "costboard": "costboard",
}
#: Where a test file may live: one folder per layer (shared helpers sit in tests/ itself).
LAYERS = ("warehouse", "plugins", "dashboard", "cli", "browser")

NO_TEST_YET = "no test yet"
#: Modules no test imports, each with why. Those marked NO_TEST_YET are gaps to close, and
#: the list is exact: a module that gains a test must come off it (a test says so); the
#: others are reached some other way on purpose.
EXEMPT: dict[str, str] = {
    "costboard.cli.__main__": "`python -m costboard.cli`: run as a process by the serve tests",
    "costboard.warehouse.seed": "the seed CSVs' package, read as files by the demo",
    **{
        f"costboard.dashboard.pages.{page}": "a Dash page: Dash imports it when create_app "
        "registers the pages, and the app and browser tests drive it through the app"
        for page in ("claims", "gaps", "history", "market", "overview", "plugins", "what_if")
    },
}

#: A sleep in a test: ``time.sleep(...)``, ``sleep(...)``, ``asyncio.sleep(...)``. Not
#: ``pg_sleep(`` (SQL under test) nor a patched ``"sleep"`` attribute.
SLEEP = re.compile(r"\btime\.sleep\b|(?<![\w])sleep\(")
#: Files that still sleep, with how many times: polling loops (a readiness check between two
#: tries, under a ceiling) in helpers and tests other parts of issue 18 own. Each is to move
#: to tests.waiting.until; the count may only go down.
STILL_SLEEPING: dict[str, int] = {}


def product_modules(repo: Path = REPO) -> list[str]:
    """Every module of the product by its import name (packages by their ``__init__``)."""
    found = []
    for folder, package in PACKAGES.items():
        for path in sorted((repo / folder).rglob("*.py")):
            parts = path.relative_to(repo / folder).with_suffix("").parts
            found.append(".".join([package, *(p for p in parts if p != "__init__")]))
    return sorted(set(found))


def imported_names(sources: Iterable[str]) -> set[str]:
    """Every dotted name the sources import, and ``package.name`` for ``from package import name``."""
    names: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def untested(modules: Iterable[str], imported: set[str]) -> list[str]:
    return [m for m in modules if m not in imported and m not in EXEMPT]


def misplaced(test_files: Iterable[Path], tests: Path = TESTS) -> list[str]:
    """test_*.py files not in one of the layer folders."""
    return [
        str(path.relative_to(tests))
        for path in test_files
        if path.relative_to(tests).parts[0] not in LAYERS or len(path.relative_to(tests).parts) != 2
    ]


def sleeps(files: Iterable[Path], repo: Path = REPO) -> dict[str, int]:
    counts = {}
    for path in files:
        count = len(SLEEP.findall(path.read_text()))
        if count:
            counts[str(path.relative_to(repo))] = count
    return counts


def too_many_sleeps(found: dict[str, int]) -> dict[str, int]:
    return {f: n for f, n in found.items() if n > STILL_SLEEPING.get(f, 0)}


def test_every_module_of_the_product_is_imported_by_a_test() -> None:
    imported = imported_names(p.read_text() for p in TESTS.rglob("*.py"))
    assert untested(product_modules(), imported) == []


def test_a_module_no_test_imports_is_found() -> None:
    modules = [*product_modules(), "costboard.dashboard.planted"]
    imported = imported_names(["from costboard.dashboard import views\nimport costboard.samples"])
    gaps = untested(modules, imported)
    assert "costboard.dashboard.planted" in gaps and "costboard.dashboard.figures" in gaps
    assert "costboard.dashboard.views" not in gaps and "costboard.samples" not in gaps
    # A module reached through another does not count: views re-exports figures' names.
    assert "costboard.dashboard.pages.overview" not in gaps  # exempt, with its reason


def test_the_gaps_listed_are_exactly_the_modules_still_untested() -> None:
    imported = imported_names(p.read_text() for p in TESTS.rglob("*.py"))
    tested_yet_listed = [m for m, why in EXEMPT.items() if why == NO_TEST_YET and m in imported]
    assert tested_yet_listed == [], "these have a test now: take them off EXEMPT"


def test_every_exemption_names_a_module_and_a_reason() -> None:
    modules = set(product_modules())
    assert [m for m in EXEMPT if m not in modules] == []
    assert all(reason.strip() for reason in EXEMPT.values())


def test_every_test_file_lives_in_a_layer_folder() -> None:
    assert misplaced(TESTS.rglob("test_*.py")) == []
    planted = [TESTS / "test_flat.py", TESTS / "dashboard" / "deep" / "test_x.py"]
    assert misplaced([*planted, TESTS / "cli" / "test_layout.py"]) == [
        "test_flat.py",
        "dashboard/deep/test_x.py",
    ]


def test_no_test_sleeps() -> None:
    # This file names sleeps in its planted sources, so it is the one not read.
    found = sleeps(p for p in TESTS.rglob("*.py") if p != Path(__file__))
    assert too_many_sleeps(found) == {}, "wait on an event, a file or tests.waiting.until"
    # The allowance only goes down: a file listed that no longer sleeps is taken off the list.
    assert {f: n for f, n in STILL_SLEEPING.items() if found.get(f, 0) < n} == {}


def test_a_planted_sleep_is_found(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    planted = tmp_path / "tests" / "test_planted.py"
    planted.write_text(
        "import time, asyncio\nfrom time import sleep\n"
        "def test():\n    time.sleep(1)\n    sleep(0.1)\n    asyncio.sleep(2)\n"
        "SQL = 'SELECT pg_sleep(15)'\nPATCHED = ('sleep', None)\n"
    )
    found = sleeps([planted], tmp_path)
    assert found == {"tests/test_planted.py": 3}
    assert too_many_sleeps(found) == found
