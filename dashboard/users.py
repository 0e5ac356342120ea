"""Who may sign in to the dashboard: the users file (or variable), and the server's secret key.

The users come from, in this order:

- ``COSTBOARD_USERS``: the users file's whole content in a variable, for container
  deployments where a secret store hands out variables rather than files. Read only: the
  ``costboard users`` commands refuse to change it (write a file with them, then copy it in).
- the users file: ``COSTBOARD_USERS_FILE``, default ``<home>/users.json``. A team that shares
  one points the variable at a shared path.

The file is JSON: ``{"version": 1, "users": {NAME: {"password": ARGON2_HASH, "tokens":
[SHA256_HEX, ...]}}}``. Passwords are argon2id hashes (argon2-cffi); an API token is 32 random
bytes, so a plain SHA-256 of it is enough to keep it from being read back out of the file.
Only the CLI writes the file (atomically, mode 0600); the dashboard only reads it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from costboard.warehouse.config import WarehouseConfig

USERS_ENV = "COSTBOARD_USERS"
USERS_FILE_ENV = "COSTBOARD_USERS_FILE"
SECRET_KEY_ENV = "COSTBOARD_SECRET_KEY"
USER_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_LENGTH = 8
#: A secret key given through the variable must be at least this long (bytes of text).
MIN_SECRET_KEY_LENGTH = 32

_hasher = PasswordHasher()
#: Verified against when the name is unknown, so an unknown name costs as long as a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class UsersError(ValueError):
    """A users file or variable costboard cannot use, or a change it cannot make."""


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    token_hashes: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Changes when the password does: a session signed for the old one stops working."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def users_file(config: WarehouseConfig) -> Path:
    written = os.environ.get(USERS_FILE_ENV)
    return Path(written).expanduser() if written else config.home / "users.json"


def describe_source(config: WarehouseConfig) -> str:
    if os.environ.get(USERS_ENV):
        return f"the variable {USERS_ENV}"
    return str(users_file(config))


def parse(text: str, where: str) -> dict[str, User]:
    """The users ``text`` holds; ``where`` names it in errors."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsersError(f"{where}: not JSON ({error.msg}, line {error.lineno})") from None
    entries = document.get("users") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise UsersError(f'{where}: expected {{"version": 1, "users": {{NAME: {{...}}}}}}')
    users = {}
    for name, entry in entries.items():
        password = entry.get("password") if isinstance(entry, dict) else None
        tokens = entry.get("tokens", []) if isinstance(entry, dict) else None
        if not isinstance(password, str) or not password.startswith("$argon2"):
            raise UsersError(f"{where}: user {name!r} has no argon2 password hash")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise UsersError(f"{where}: user {name!r}: tokens must be a list of hashes")
        users[name] = User(name, password, tuple(tokens))
    return users


def load(config: WarehouseConfig) -> dict[str, User]:
    """Every user, from ``COSTBOARD_USERS`` or the users file (none when neither exists)."""
    text = os.environ.get(USERS_ENV)
    if text:
        return parse(text, USERS_ENV)
    path = users_file(config)
    try:
        return parse(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        return {}


def check_writable() -> None:
    """Refuse a change when the users come from the variable."""
    if os.environ.get(USERS_ENV):
        raise UsersError(
            f"the users come from the variable {USERS_ENV}, which costboard cannot change: "
            f"unset it, make the change in a file ({USERS_FILE_ENV}=FILE costboard users ...) "
            "and put that file's content in the variable"
        )


def save(config: WarehouseConfig, users: Mapping[str, User]) -> Path:
    """Write the users file atomically with mode 0600 (never the variable)."""
    check_writable()
    path = users_file(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "version": 1,
        "users": {
            u.name: {"password": u.password_hash, "tokens": list(u.token_hashes)}
            for u in sorted(users.values(), key=lambda u: u.name)
        },
    }
    _write_private(path, json.dumps(document, indent=2) + "\n", replace=True)
    return path


def _write_private(path: Path, text: str, *, replace: bool) -> bool:
    """Write ``text`` to ``path`` through a 0600 temporary file in the same folder: readers
    see the old file or the new one, never half of one. Without ``replace``, an existing
    file wins (False)."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def check_name(name: str) -> str:
    if not USER_NAME_PATTERN.fullmatch(name):
        raise UsersError(
            f"bad user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsersError(f"the password is too short: at least {MIN_PASSWORD_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True when ``password`` is ``user``'s (an unknown user takes as long and is False)."""
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def new_token() -> tuple[str, str]:
    """A new API token and the hash the users file keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(users: Mapping[str, User], token: str) -> User | None:
    wanted = token_hash(token)
    for user in users.values():
        if any(hmac.compare_digest(wanted, held) for held in user.token_hashes):
            return user
    return None


def secret_key(config: WarehouseConfig) -> str:
    """The key that signs session cookies: ``COSTBOARD_SECRET_KEY``, or ``<home>/secret_key``,
    made once (0600) and kept, so sessions survive restarts and every worker shares it."""
    given = os.environ.get(SECRET_KEY_ENV)
    if given:
        if len(given) < MIN_SECRET_KEY_LENGTH:
            raise UsersError(
                f"{SECRET_KEY_ENV} is too short: at least {MIN_SECRET_KEY_LENGTH} characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))' makes one)"
            )
        return given
    path = config.home / "secret_key"
    if not path.exists():
        config.home.mkdir(parents=True, exist_ok=True)
        # Two workers starting at once: the first link wins and both read its key.
        _write_private(path, secrets.token_hex(32) + "\n", replace=False)
    return path.read_text(encoding="utf-8").strip()
