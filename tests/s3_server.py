"""A real S3-protocol server for the object-storage tests: moto's standalone server.

Started from the ``moto[server]`` test dependency as a subprocess listening on 127.0.0.1 on a
free port, and stopped at the end. Authentication is switched on once the set-up is done, so a
wrong key is refused as a real store would refuse it: the server first runs without it (moto's
default) while the set-up makes an IAM user with an access key allowed to use the test buckets
only, creates the buckets, and then asks moto to check every later request.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.waiting import until

#: The bucket the lake lives in, and one its credentials may not read.
LAKE_BUCKET = "costboard-lake"
OTHER_BUCKET = "someone-elses"
REGION = "us-east-1"
#: How long moto's server may take to answer before the test gives up: a ceiling for a slow,
#: busy machine, not an expectation.
START_SECONDS = 60


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str

    def environment(self) -> dict[str, str]:
        """The variables a costboard process reads the store's endpoint and credentials from."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": REGION,
        }

    def client(self) -> Any:
        """A boto3 S3 client with the user's own credentials (to list and read objects)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def objects(self, bucket: str = LAKE_BUCKET, prefix: str = "") -> dict[str, bytes]:
        """Every object under ``prefix`` with its bytes."""
        client = self.client()
        found: dict[str, bytes] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])[
                    "Body"
                ].read()
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    # Readiness: poll until the server answers; its process ending fails at once.
    def serving() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"moto's server exited: {log.read_text()[-2000:]}")
        urllib.request.urlopen(url + "/moto-api/", timeout=5).close()
        return True

    until(
        serving,
        timeout=START_SECONDS,
        every=0.05,
        ignoring=(urllib.error.URLError, ConnectionError),
        message=lambda: f"moto's server never answered: {log.read_text()[-2000:]}",
    )


def _set_up(url: str) -> tuple[str, str]:
    import boto3

    # Any key works before authentication is switched on.
    boot = {
        "endpoint_url": url,
        "region_name": REGION,
        "aws_access_key_id": "set-up",
        "aws_secret_access_key": "set-up",
    }
    iam = boto3.client("iam", **boot)
    iam.create_user(UserName="costboard")
    key = iam.create_access_key(UserName="costboard")["AccessKey"]
    lake = f"arn:aws:s3:::{LAKE_BUCKET}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": [lake, lake + "/*"]}],
    }
    iam.put_user_policy(UserName="costboard", PolicyName="lake", PolicyDocument=json.dumps(policy))
    s3 = boto3.client("s3", **boot)
    s3.create_bucket(Bucket=LAKE_BUCKET)
    s3.create_bucket(Bucket=OTHER_BUCKET)
    s3.put_object(Bucket=OTHER_BUCKET, Key="private.csv", Body=b"secret_figure\n42\n")
    # From here on every request must be signed by a known key that may do what it asks.
    request = urllib.request.Request(
        url + "/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    return key["AccessKeyId"], key["SecretAccessKey"]


@contextmanager
def running(folder: Path) -> Iterator[S3Server]:
    """moto's server on 127.0.0.1 with the lake bucket, an IAM key for it, and auth on."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "moto.log"
    environment = {**os.environ, "MOTO_PORT": str(port)}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        environment.pop(name, None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    try:
        _wait_until_serving(process, url, log)
        key_id, secret = _set_up(url)
        yield S3Server(url, key_id, secret)
    finally:
        process.terminate()
        process.wait()


@contextmanager
def in_environment(folder: Path) -> Iterator[S3Server]:
    """:func:`running`, with its endpoint and credentials in this process's environment as a
    user sets them (restored afterwards)."""
    import pytest

    with running(folder) as server, pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        for name, value in server.environment().items():
            patch.setenv(name, value)
        # No DuckDB secrets of the machine's user (DuckDB looks for them under ~/.duckdb).
        patch.setenv("HOME", str(folder / "user-home"))
        yield server


def demo_in_bucket(demo_home_template: Path, server: S3Server, home: Path, prefix: str) -> str:
    """A copy of the session's demo warehouse whose data path is ``s3://<lake>/<prefix>/``."""
    shutil.copytree(demo_home_template, home, ignore=shutil.ignore_patterns("data", "*.lock"))
    client = server.client()
    data = demo_home_template / "data"
    for file in sorted(p for p in data.rglob("*") if p.is_file()):
        key = f"{prefix}/{file.relative_to(data).as_posix()}"
        client.upload_file(str(file), LAKE_BUCKET, key)
    return f"s3://{LAKE_BUCKET}/{prefix}/"
