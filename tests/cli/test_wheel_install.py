"""What a user installs: the wheel holds every module and data file, and works outside the checkout.

The editable install the other tests use maps the source folders in place, so a module or a
data file the wheel forgets (``costboard/cli/`` once was) goes unnoticed there. These tests
build the wheel, compare it with the source tree, install it into a fresh virtual environment
in a temporary folder, and run the README's commands from there.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from costboard.plugins.manager import built_in_names
from tests.waiting import until

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
PIP = (sys.executable, "-m", "pip", "-q", "--disable-pip-version-check")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO)],
        check=True,
        cwd=out,
    )
    (built,) = out.glob("costboard-*.whl")
    return built


def expected_files() -> set[str]:
    """Every file the wheel must hold, from pyproject's package-dir map and package data."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {package: REPO / path for package, path in setuptools["package-dir"].items()}
    expected = set()
    for package, folder in folders.items():
        for path in folder.rglob("*"):
            relative = path.relative_to(folder)
            if "__pycache__" in relative.parts or path.is_dir() or path.suffix == ".pyc":
                continue
            inner = ".".join([package, *relative.parts[:-1]])
            if inner in folders and inner != package:
                continue  # that folder is its own package (costboard.warehouse, ...)
            expected.add("/".join([*package.split("."), *relative.parts]))
    return expected


def test_the_wheel_holds_every_module_template_asset_sql_and_seed_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(expected_files() - names)
    assert missing == [], f"the wheel lacks {missing}"
    assert "costboard/cli/__init__.py" in names


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment outside the checkout with only the wheel installed."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), *PIP[1:], "install", str(wheel)],
        check=True,
    )
    yield venv / "bin"


def test_the_installed_wheel_runs_the_readme_commands_outside_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COSTBOARD_HOME")}

    def costboard(*args: str) -> str:
        result = subprocess.run(
            [str(installed / "costboard"), "--home", str(home), *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    location = subprocess.run(
        [str(installed / "python"), "-c", "import costboard; print(costboard.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    ).stdout
    assert str(REPO) not in location and "site-packages" in location
    assert "loaded the demo data" in costboard("init", "--demo")
    assert "estimate_records" in costboard("estimate")
    plugins = json.loads(costboard("plugins", "--json"))
    # the six estimators, and the built-in importer and vocabulary plugins (no estimator)
    ok = {p["name"] for p in plugins if p["status"] == "ok"}
    assert ok == built_in_names() | {"(importers)", "(vocabulary)"}
    value = costboard(
        "sql",
        "SELECT value FROM estimates WHERE subject = 'deepseek-v3' "
        "AND estimator = 'cloud_rental' ORDER BY as_of DESC LIMIT 1",
        "--format",
        "csv",
    )
    assert value.split() == ["value", "5576000.0"]

    port = _free_port()
    server = subprocess.Popen(
        [str(installed / "costboard"), "--home", str(home), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def snapshots_answer() -> dict:
            assert server.poll() is None, "costboard serve exited"
            with urllib.request.urlopen(base + "/api/snapshots", timeout=5) as response:
                return json.load(response)

        snapshots = until(
            snapshots_answer,
            timeout=60,
            every=0.25,
            ignoring=(OSError,),
            message="costboard serve never answered",
        )
        assert snapshots["latest"] >= 38
        with urllib.request.urlopen(base + "/", timeout=30) as response:
            page = response.read().decode()
        assert response.status == 200 and "_dash-config" in page
    finally:
        server.terminate()
        server.wait(timeout=30)
