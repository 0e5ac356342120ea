"""The system pieces some tests need (Chromium, chromedriver, PostgreSQL, network namespaces).

Locally a missing piece skips the test with the ``make`` target that installs it. In CI
(``CI`` set, as ``.ci/run`` runs) a missing piece fails the test instead: a skip there would
let a whole suite vanish without anyone noticing.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def require(present: bool, piece: str, how: str) -> None:
    """Skip (locally) or fail (in CI) when ``piece`` is missing; ``how`` says how to get it."""
    if present:
        return
    message = f"{piece} is missing: {how}"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run every test, but {message}", pytrace=False)
    pytest.skip(message)


def chromium() -> str:
    """The path of Debian's Chromium, after :func:`require` (``make system-deps`` installs it)."""
    path = shutil.which("chromium")
    require(path is not None, "chromium", "run `make system-deps` (Debian's chromium)")
    return str(path)


def chromedriver() -> str:
    path = shutil.which("chromedriver")
    require(path is not None, "chromedriver", "run `make system-deps` (Debian's chromium-driver)")
    return str(path)


def network_namespace_prefix() -> list[str]:
    """The command prefix that runs a program with no network at all.

    ``unshare --net`` needs root; as any other user ``--map-root-user`` makes a user namespace
    first, where unprivileged user namespaces are enabled (Debian's default).
    """
    unshare = shutil.which("unshare")
    require(unshare is not None, "unshare", "install util-linux")
    prefix = [str(unshare), "--net"] if os.geteuid() == 0 else [str(unshare), "-r", "--net"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    require(
        probe.returncode == 0,
        "network namespace support",
        f"`{' '.join(prefix)} true` failed: {probe.stderr.strip()}",
    )
    return prefix
