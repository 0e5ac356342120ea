"""Mutation testing: ``make mutation`` or ``python -m tests.mutation [suite or module ...]``.

mutmut names a module after its file's path and imports the mutated copy it makes under
``mutants/``. Here warehouse/, plugins/ and dashboard/ install as costboard.warehouse,
costboard.plugins and costboard.dashboard (pyproject's ``package-dir``), so each suite runs in
a staging tree, build/mutation/<suite>/, laid out as a plain package (costboard/warehouse/ =
warehouse/, ...). There ``costboard/warehouse/vocabulary.py`` is ``costboard.warehouse.vocabulary``
and mutmut puts ``mutants/`` first on sys.path, ahead of the editable install's finder, so the
tests import the mutants. Each suite mutates its modules and runs only its fast tests; the
staging tree is rebuilt every run so new tests count against every mutant. See docs/testing.md.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STAGE = REPO / "build" / "mutation"
BIN = Path(sys.executable).parent
#: Where each top-level folder lives inside the staged package.
LAYOUT = {"costboard": "costboard", "warehouse": "costboard/warehouse"}
LAYOUT |= {"plugins": "costboard/plugins", "dashboard": "costboard/dashboard"}
GOAL = 90.0  # percent of mutants killed

#: suite -> (modules to mutate, as in the repo; the fast tests that exercise them)
SUITES: dict[str, tuple[list[str], list[str]]] = {
    "validation": (
        ["warehouse/vocabulary.py", "warehouse/validate.py"],
        [
            "tests/warehouse/test_vocabulary_conversions.py",
            "tests/warehouse/test_validation_rules.py",
        ],
    ),
    "estimators": (
        ["plugins/formulas.py", "plugins/inputs.py", "plugins/default_*.py"],
        [
            "tests/plugins/test_formulas.py",
            "tests/plugins/test_estimator_inputs.py",
            "tests/plugins/test_estimate_rows_in_full.py",
            "tests/plugins/test_market_move_details.py",
            "tests/plugins/test_estimator_behaviour.py",
            "tests/plugins/test_estimator_reference_cases.py",
        ],
    ),
    "estimates": (
        ["warehouse/estimates.py"],
        [
            "tests/warehouse/test_reconciliation_view.py",
            "tests/warehouse/test_estimate_store.py",
            "tests/plugins/test_store.py",
        ],
    ),
    "fence": (
        ["dashboard/fence.py", "warehouse/readonly_sql.py"],
        [
            "tests/dashboard/test_fence_limits.py",
            "tests/dashboard/test_fence_rules.py",
            "tests/warehouse/test_readonly_sql.py",
        ],
    ),
}


def matches(module: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(module, pattern) for pattern in patterns)


def staged(module: str) -> str:
    top, _, rest = module.partition("/")
    return f"{LAYOUT[top]}/{rest}"


def build_stage(stage: Path, modules: list[str], tests: list[str]) -> None:
    shutil.rmtree(stage, ignore_errors=True)
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for top, inside in LAYOUT.items():
        shutil.copytree(REPO / top, stage / inside, ignore=junk, dirs_exist_ok=True)
    shutil.copytree(REPO / "tests", stage / "tests", ignore=junk)
    shutil.copy2(REPO / "README.md", stage)  # a test holds the README to the fence's limits
    options = {
        "source_paths": ["costboard"],
        "also_copy": ["README.md"],
        "only_mutate": [staged(m) for m in modules],
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
        # Polars and DuckDB start threads: fork each mutant from a process that has only
        # collected the tests, never from one that ran them.
        "process_isolation": "forkserver",
        "use_git_change_detection": False,
    }
    section = "\n[tool.mutmut]\n" + "".join(f"{k} = {to_toml(v)}\n" for k, v in options.items())
    (stage / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text() + section)


def to_toml(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    return f'"{value}"'


def results(stage: Path) -> dict[str, Counter[str]]:
    """mutant statuses per module, from ``mutmut results --all true``."""
    out = subprocess.run(
        [BIN / "mutmut", "results", "--all", "true"], cwd=stage, capture_output=True, text=True
    ).stdout
    per_module: dict[str, Counter[str]] = {}
    for name, status in re.findall(r"^\s+(\S+): (.+)$", out, re.M):
        module = re.split(r"\.x[_ǁ]", name)[0]
        per_module.setdefault(module, Counter())[status] += 1
        if status != "killed":
            print(f"  {status}: {name}")
    return per_module


def main(arguments: list[str]) -> int:
    chosen = arguments or list(SUITES)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", *LAYOUT], cwd=REPO, capture_output=True, text=True
    ).stdout
    if dirty:
        print(f"!! mutating uncommitted source changes:\n{dirty}")
    figures: dict[str, Counter[str]] = {}
    started = time.monotonic()
    for suite, (modules, tests) in SUITES.items():
        picked = modules if suite in chosen else [a for a in chosen if matches(a, modules)]
        if not picked:
            continue
        stage = STAGE / suite
        missing = [t for t in tests if not (REPO / t).exists()]
        tests = [t for t in tests if t not in missing]
        if missing:
            print(f"!! {suite}: no {', '.join(missing)}; running without")
        if not tests:
            continue
        build_stage(stage, picked, tests)
        print(f"== {suite}: mutating {', '.join(picked)} against {len(tests)} test files")
        suite_started = time.monotonic()
        subprocess.run([BIN / "mutmut", "run", "--max-children", "2"], cwd=stage, check=True)
        figures |= results(stage)
        print(f"== {suite}: {(time.monotonic() - suite_started) / 60:.0f} min")
    if not figures:
        print(f"nothing to mutate; choose from {', '.join(SUITES)} or their modules")
        return 2
    print(f"\n{'module':48} mutants killed survived timeout other  killed%")
    worst = 100.0
    for module, counts in sorted(figures.items()):
        total, killed = sum(counts.values()), counts["killed"]
        other = total - killed - counts["survived"] - counts["timeout"]
        share = 100.0 * killed / total
        worst = min(worst, share)
        print(
            f"{module:48} {total:7} {killed:6} {counts['survived']:8} {counts['timeout']:7} "
            f"{other:5} {share:7.1f}"
        )
    print(f"\n{(time.monotonic() - started) / 60:.0f} min; goal: at least {GOAL:g}% killed")
    return 0 if worst >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
