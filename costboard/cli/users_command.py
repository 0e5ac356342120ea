"""``costboard users``: who may sign in to the dashboard (see costboard/dashboard/users.py).

Only these commands write the users file; the dashboard reads it. Each change takes the
file's lock, so two changes at once both land.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from costboard.cli.context import friendly_errors, pass_config
from costboard.warehouse.config import WarehouseConfig


@contextmanager
def _changing(config: WarehouseConfig) -> Iterator[dict]:
    """The users, to change in place; written back (atomically, 0600) under the file's lock."""
    from filelock import FileLock

    from costboard.dashboard import users

    users.check_writable()
    path = users.users_file(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=30):
        known = users.load(config)
        yield known
        users.save(config, known)


def _read_password(from_stdin: bool) -> str:
    from costboard.dashboard import users

    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
    else:
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
    return users.check_password(password)


@click.group(name="users")
def users_group() -> None:
    """Users who may sign in to the dashboard (the users file, or COSTBOARD_USERS)."""


@users_group.command(name="add")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@pass_config
@friendly_errors
def add_command(config: WarehouseConfig, name: str, password_stdin: bool) -> None:
    """Add the user NAME; asks for the password twice (hidden)."""
    from costboard.dashboard import users

    users.check_name(name)
    if name in users.load(config):
        raise users.UsersError(
            f"user {name!r} already exists: `costboard users remove {name}` first"
        )
    password_hash = users.hash_password(_read_password(password_stdin))
    with _changing(config) as known:
        if name in known:
            raise users.UsersError(f"user {name!r} already exists")
        known[name] = users.User(name, password_hash)
    click.echo(f"added user {name} to {users.describe_source(config)}")


@users_group.command(name="remove")
@click.argument("name")
@pass_config
@friendly_errors
def remove_command(config: WarehouseConfig, name: str) -> None:
    """Remove the user NAME, their tokens and (at their next request) their sessions."""
    from costboard.dashboard import users

    with _changing(config) as known:
        if known.pop(name, None) is None:
            raise users.UsersError(f"no user {name!r} in {users.describe_source(config)}")
    click.echo(f"removed user {name}")


@users_group.command(name="list")
@pass_config
@friendly_errors
def list_command(config: WarehouseConfig) -> None:
    """Every user, with how many API tokens each has."""
    from costboard.dashboard import users

    known = users.load(config)
    if not known:
        click.echo(
            f"no users in {users.describe_source(config)}: a dashboard started now has no "
            "sign-in (one that has had users stays closed)"
        )
        return
    click.echo(f"users in {users.describe_source(config)}:")
    for user in sorted(known.values(), key=lambda u: u.name):
        click.echo(f"  {user.name}  ({len(user.token_hashes)} API token(s))")


@users_group.command(name="token")
@click.argument("name")
@pass_config
@friendly_errors
def token_command(config: WarehouseConfig, name: str) -> None:
    """Print a new API token for NAME (Authorization: Bearer TOKEN); only its hash is kept."""
    from costboard.dashboard import users

    token, token_hash = users.new_token()
    with _changing(config) as known:
        user = known.get(name)
        if user is None:
            raise users.UsersError(f"no user {name!r} in {users.describe_source(config)}")
        known[name] = users.User(name, user.password_hash, (*user.token_hashes, token_hash))
    click.echo(token)


def register(main: click.Group) -> None:
    main.add_command(users_group)
