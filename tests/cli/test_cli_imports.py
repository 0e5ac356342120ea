"""A command module that fails to import is an error of `costboard`, never a missing command.

Each test plants an ImportError in one command module (as a typo in one of its imports
would raise) in a fresh interpreter, so the tests' own imported CLI is left alone.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PLANT = textwrap.dedent(
    """
    import importlib.abc, importlib.machinery, sys

    BROKEN = sys.argv[1]


    class Broken(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name, path=None, target=None):
            return importlib.machinery.ModuleSpec(name, self) if name == BROKEN else None

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            raise ImportError("cannot import name 'typo' (planted by the test)")


    sys.meta_path.insert(0, Broken())
    from costboard.cli import main

    main([sys.argv[2], "--help"])
    """
)


def costboard_with_broken(module: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PLANT, module, command],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_nothing_planted_the_command_runs() -> None:
    done = costboard_with_broken("costboard.cli.no_such_module", "estimate")
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout


@pytest.mark.parametrize(
    ("module", "command"),
    [
        ("costboard.cli.plugin_commands", "estimate"),
        ("costboard.cli.vocabulary_command", "vocabulary"),
        ("costboard.cli.serve_command", "serve"),
        ("costboard.cli.users_command", "users"),
        ("costboard.cli.warehouse_commands", "ingest"),
    ],
)
def test_a_failing_import_of_a_command_module_is_an_error(module: str, command: str) -> None:
    done = costboard_with_broken(module, command)
    assert done.returncode != 0
    assert "ImportError: cannot import name 'typo' (planted by the test)" in done.stderr
    assert "No such command" not in done.stdout + done.stderr
