"""costboard.cli.serve_command's own rules: which addresses count as this machine only, and a
port already taken is a one-line error before any server starts. (Serving, sign-in and the
budget checks are tests/dashboard/test_serve.py, test_auth_*.py and test_cache.py.)"""

from __future__ import annotations

import socket

import click
import pytest

from costboard.cli.serve_command import _check_port, is_loopback


@pytest.mark.parametrize(
    "host", ["localhost", "LocalHost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"]
)
def test_loopback_addresses_are_this_machine_only(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "dashboard.example.org", "localhost.evil"]
)
def test_any_other_address_or_host_name_is_reachable_from_elsewhere(host: str) -> None:
    assert not is_loopback(host)


def test_a_port_in_use_is_refused_naming_the_address_and_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(click.ClickException) as refused:
            _check_port("127.0.0.1", port)
    assert refused.value.message.startswith(f"cannot listen on 127.0.0.1:{port} (")
    assert refused.value.message.endswith("); pick another --port")
    _check_port("127.0.0.1", port)  # free again once its listener closed
