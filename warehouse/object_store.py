"""The lake's data path on S3-compatible object storage (``s3://bucket/prefix/``).

DuckLake reads and writes its Parquet files there through DuckDB's httpfs extension, loaded
from its PyPI wheel like the others (:mod:`costboard.warehouse.extensions`) and only when the
data path is an ``s3://`` URL.

Credentials come from the environment or from DuckDB secrets the user created, and are never
stored by costboard. How httpfs 1.5.5 finds them (checked on this version, not assumed):

- When it loads, httpfs copies ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_SESSION_TOKEN``, ``AWS_REGION``/``AWS_DEFAULT_REGION`` (and ``DUCKDB_S3_ENDPOINT``,
  ``DUCKDB_S3_USE_SSL``) into global settings (``s3_secret_access_key`` ...), which any SQL can
  read back with ``current_setting()`` or ``duckdb_settings()``: on the dashboard's SQL page
  that would hand the key to every reader. So the credential settings are reset right after
  loading, and the same values go into a TEMPORARY S3 secret instead (the ``config`` provider,
  part of httpfs): it lives in this connection's memory only, ``duckdb_secrets()`` shows it with
  ``secret=redacted``, and ``duckdb_secrets(redact := false)`` is refused.
- The secret is SCOPEd to the data path, so those credentials are sent to no other URL.
- Without ``AWS_ACCESS_KEY_ID`` costboard creates no secret and DuckDB uses the S3 secrets the
  user made (``CREATE PERSISTENT SECRET (TYPE s3, ...)`` in DuckDB's secret directory). The
  ``credential_chain`` provider (instance profiles, SSO) would need the separate ``aws``
  extension, which costboard does not ship.

The endpoint of a store other than AWS comes from ``AWS_ENDPOINT_URL_S3`` or
``AWS_ENDPOINT_URL`` (the AWS SDKs' own variables): ``http://`` turns TLS off, and a custom
endpoint uses path-style URLs (MinIO, moto and most S3-compatible stores expect them; AWS itself
uses virtual-host style). ``COSTBOARD_S3_URL_STYLE`` (``path`` or ``vhost``) overrides that.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import duckdb

from costboard.warehouse import extensions

SCHEME = "s3://"

#: The httpfs settings that hold a credential; httpfs fills them from the environment on LOAD.
CREDENTIAL_SETTINGS = ("s3_access_key_id", "s3_secret_access_key", "s3_session_token")

#: The name costboard's temporary secret goes by (``duckdb_secrets()`` shows it).
SECRET_NAME = "costboard_data_path"

URL_STYLE_ENV = "COSTBOARD_S3_URL_STYLE"


class ObjectStoreError(ValueError):
    """The data path on object storage cannot be used (credentials, endpoint, bucket).

    A ValueError: a value the user configured is wrong, and the CLI already turns those into
    a one-line message without a traceback.
    """


def is_object_store(data_path: str) -> bool:
    return data_path.startswith(SCHEME)


def allowed_prefix(data_path: str) -> str:
    """The data path as a directory prefix: with its trailing slash, so that ``s3://b/lake``
    does not also cover ``s3://b/lake-other/``."""
    return data_path if data_path.endswith("/") else data_path + "/"


def secret_options(environ: Mapping[str, str], data_path: str) -> dict[str, str] | None:
    """The options of the temporary S3 secret the environment describes, or None when it
    names no access key (then DuckDB's own secrets apply)."""
    key_id = environ.get("AWS_ACCESS_KEY_ID")
    if not key_id:
        return None
    options = {
        "KEY_ID": key_id,
        "SECRET": environ.get("AWS_SECRET_ACCESS_KEY", ""),
        "SCOPE": allowed_prefix(data_path),
    }
    if environ.get("AWS_SESSION_TOKEN"):
        options["SESSION_TOKEN"] = environ["AWS_SESSION_TOKEN"]
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region:
        options["REGION"] = region
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    url_style = environ.get(URL_STYLE_ENV)
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ObjectStoreError(
                f"the S3 endpoint {endpoint!r} is not a URL like https://host:port "
                "(AWS_ENDPOINT_URL)"
            )
        options["ENDPOINT"] = parts.netloc
        options["USE_SSL"] = "true" if parts.scheme == "https" else "false"
        url_style = url_style or "path"
    if url_style:
        if url_style not in ("path", "vhost"):
            raise ObjectStoreError(f"{URL_STYLE_ENV} must be 'path' or 'vhost', not {url_style!r}")
        options["URL_STYLE"] = url_style
    return options


def load(connection: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs and take back the credentials it copied into readable settings."""
    extensions.load(connection, "httpfs")
    for name in CREDENTIAL_SETTINGS:
        connection.execute(f"RESET {name}")


def prepare(connection: duckdb.DuckDBPyConnection, data_path: str) -> None:
    """Make ``connection`` able to reach ``data_path``: httpfs loaded, and the environment's
    credentials as a TEMPORARY secret scoped to it (never a persistent one: that would write
    them to disk in DuckDB's secret directory)."""
    load(connection)
    options = secret_options(os.environ, data_path)
    if options is None:
        return
    listed = ", ".join(
        f"{name} {value}" if name == "USE_SSL" else f"{name} {extensions.sql_string(value)}"
        for name, value in options.items()
    )
    connection.execute(
        f"CREATE OR REPLACE TEMPORARY SECRET {SECRET_NAME} (TYPE s3, PROVIDER config, {listed})"
    )


def check_reachable(connection: duckdb.DuckDBPyConnection, data_path: str) -> None:
    """List the data path once, so that a wrong key, endpoint or bucket is one clear error
    here rather than a failure halfway through a command.

    The listing asks for keys starting with a name no file has, so it costs one request however
    big the lake is.
    """
    probe = allowed_prefix(data_path) + "costboard-probe*"
    try:
        connection.execute(f"SELECT count(*) FROM glob({extensions.sql_string(probe)})").fetchall()
    except duckdb.Error as error:
        secret = connection.execute("SELECT name FROM which_secret(?, 's3')", [probe]).fetchone()
        raise unreachable(data_path, error, has_credentials=secret is not None) from None


def unreachable(
    data_path: str, error: BaseException, *, has_credentials: bool = True
) -> ObjectStoreError:
    """A one-line error naming the data path and what the store said, without any secret."""
    text = str(error)
    # httpfs puts the store's error code on a line of its own: "SignatureDoesNotMatch: ...".
    code_match = re.search(r"^([A-Z][A-Za-z]+): ", text, re.MULTILINE)
    code = code_match.group(1) if code_match else None
    status = re.search(r"\(HTTP (\d{3})", text)
    if not has_credentials:
        # Checked first: without a secret the environment's endpoint is not used either.
        why = (
            "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
            "AWS_ENDPOINT_URL for a store other than AWS), or create a DuckDB S3 secret"
        )
    elif "Could not connect" in text or "Could not resolve" in text:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        why = "could not connect to the storage endpoint " + (
            f"{endpoint} (AWS_ENDPOINT_URL)"
            if endpoint
            else "(set AWS_ENDPOINT_URL for a store other than AWS)"
        )
    elif code == "NoSuchBucket":
        why = "the bucket does not exist"
    elif status and status.group(1) in ("401", "403"):
        why = (
            f"the store refused the credentials ({code or 'HTTP ' + status.group(1)}): check "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or your DuckDB S3 secret) and that "
            "they may use this bucket"
        )
    else:
        why = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return ObjectStoreError(f"cannot use the data path {data_path}: {redact(why)}")


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with the environment's secret key and session token blanked out."""
    environ = os.environ if environ is None else environ
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        value = environ.get(name)
        if value:
            text = text.replace(value, "[redacted]")
    return text
