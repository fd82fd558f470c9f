"""An S3 server on loopback for the tests: moto's standalone server (``moto_server``, from the
``moto[server]`` package), started as its own process on a free port.

No real S3 server installs from the package registries this project uses (MinIO, Garage, SeaweedFS
are not packaged in PyPI, Debian or npm; the ``minio`` on PyPI is only its client), so the tests use
moto's server, which speaks the S3 REST protocol over HTTP: django-storages and boto3 talk to it
exactly as to a production object store (signed requests, HEAD/GET/PUT/DELETE/LIST).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy.stack import free_port, wait_for_port

MOTO_SERVER = str(Path(sys.executable).parent / "moto_server")
ACCESS_KEY = "hocbaso-test-access"
SECRET_KEY = "hocbaso-test-secret"  # the loopback test server's: no real account
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str

    def environment(self) -> dict[str, str]:
        """The deployment's variables (deploy/hocbaso.env.example) for this server's bucket."""
        return {
            "HOCBASO_S3_BUCKET": self.bucket,
            "HOCBASO_S3_ENDPOINT_URL": self.endpoint,
            "HOCBASO_S3_REGION": REGION,
            "HOCBASO_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "HOCBASO_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def storage_options(self) -> dict[str, Any]:
        """``STORAGES["default"]`` as config/settings.py builds it from :meth:`environment`."""
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "endpoint_url": self.endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": True,
                "default_acl": None,
            },
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def objects(self) -> dict[str, bytes]:
        """Every object of the bucket, by key."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
        return found


@contextmanager
def s3_server(logs: Path) -> Iterator[S3Server]:
    """A running S3 server with one new private bucket; stopped on exit."""
    port = free_port()
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "s3.log").open("wb") as log:
        process = subprocess.Popen(
            [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process, "moto_server", timeout=60)
        server = S3Server(f"http://127.0.0.1:{port}", f"hocbaso-{uuid.uuid4().hex[:12]}")
        server.client().create_bucket(Bucket=server.bucket)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
