"""Where evidence files live: a folder on this server (the embedded default) or an S3-compatible bucket
shared by every app server (AWS, MinIO, Ceph, SeaweedFS, a government cloud).

`STORAGE_URL` chooses: empty for `<instance>/uploads`, a folder path, or `s3://bucket/prefix` with
`S3_ENDPOINT_URL` for a server other than AWS and boto3's own AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
and AWS_DEFAULT_REGION. Keys are the files' SHA-256 (`ab/abcd…`, thumbnails `thumbs/ab/abcd….jpg`), so
content is kept once and never changes under a key. Nothing is public: every read goes through a route
that has checked the user's rights, and the bucket needs no public access at all.
"""
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions
from flask import current_app

CHUNK = 256 * 1024


class StorageUnavailable(Exception):
    """The store did not answer (a bucket server down, a full disk): nothing was written or read."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


class FolderStorage:
    """Files in a folder of this server; each written once, atomically."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.url = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as error:
            raise StorageUnavailable(str(error)) from error
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise StorageUnavailable(str(error)) from error

    def open(self, key: str) -> tuple[BinaryIO, int]:
        """The object's bytes as a file to read, and its size; FileNotFoundError when there is none."""
        handle = self._path(key).open("rb")
        return handle, os.fstat(handle.fileno()).st_size

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def objects(self) -> Iterator[StoredObject]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                yield StoredObject(path.relative_to(self.root).as_posix(), stat.st_size,
                                   datetime.fromtimestamp(stat.st_mtime, UTC))

    def check(self) -> None:
        if not os.access(self.root if self.root.exists() else self.root.parent, os.W_OK):
            raise StorageUnavailable(f"{self.root} is not writable")


class S3Storage:
    """Objects in an S3 bucket under a prefix, through boto3."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        # Short timeouts and few retries: an outage shows the user a message within seconds, and the
        # tablet's outbox sends the file again later.
        config = botocore.config.Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 2},
                                        s3={"addressing_style": "path"} if endpoint_url else None)
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, config=config)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, method: str, **kwargs):
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(kwargs.get("Key", "")) from error
            raise StorageUnavailable(str(error)) from error
        except botocore.exceptions.BotoCoreError as error:  # connection refused, timeouts, credentials
            raise StorageUnavailable(str(error)) from error

    def put(self, key: str, data: bytes) -> None:
        # Content is named by its hash: writing it again changes nothing, so no existence check first.
        self._call("put_object", Key=self._key(key), Body=data)

    def open(self, key: str) -> tuple[BinaryIO, int]:
        response = self._call("get_object", Key=self._key(key))
        return response["Body"], response["ContentLength"]

    def read(self, key: str) -> bytes:
        body, _size = self.open(key)
        with body:
            return body.read()

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=self._key(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=self._key(key))

    def objects(self) -> Iterator[StoredObject]:
        start = f"{self.prefix}/" if self.prefix else ""
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"][len(start):], item["Size"], item["LastModified"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise StorageUnavailable(str(error)) from error

    def check(self) -> None:
        self._call("head_bucket")


Storage = FolderStorage | S3Storage


def open_storage(url: str, endpoint_url: str | None = None) -> Storage:
    """The store at `url`: s3://bucket/prefix, or a folder."""
    if url.startswith("s3://"):
        parts = urlsplit(url)
        return S3Storage(parts.netloc, parts.path, endpoint_url)
    return FolderStorage(Path(url.removeprefix("file://")))


def current() -> Storage:
    """The app's store. A folder is looked up each time (tests move the instance folder); a bucket's
    client is made once per process, since boto3 takes tens of milliseconds to make one."""
    url = current_app.config.get("STORAGE_URL") or ""
    if not url.startswith("s3://"):
        return FolderStorage(Path(url) if url else Path(current_app.instance_path) / "uploads")
    stores = current_app.extensions.setdefault("storage", {})
    endpoint = current_app.config.get("S3_ENDPOINT_URL") or None
    if (url, endpoint) not in stores:
        stores[(url, endpoint)] = open_storage(url, endpoint)
    return stores[(url, endpoint)]


def evidence_key(sha: str, thumbnail: bool = False) -> str:
    """The key of a file by its SHA-256, or of its thumbnail."""
    return f"thumbs/{sha[:2]}/{sha}.jpg" if thumbnail else f"{sha[:2]}/{sha}"


@dataclass
class CopyReport:
    copied: list[str]
    skipped: list[str]  # already at the target with the same content (a resumed copy)
    failed: list[str]  # read back with other content, or a source file whose content is not its name


def copy_objects(source: Storage, target: Storage, echo=lambda line: None) -> CopyReport:
    """Copy every object of `source` to `target`, checking each one's SHA-256 after writing it. Run again
    after an interruption, it skips what arrived whole. StorageUnavailable stops it (run it again)."""
    report = CopyReport([], [], [])
    for item in source.objects():
        data = source.read(item.key)
        digest = hashlib.sha256(data).hexdigest()
        if _named_sha(item.key) not in (None, digest):
            report.failed.append(item.key)
            echo(f"failed  {item.key}: its content is not what its name says")
            continue
        if target.exists(item.key):
            if hashlib.sha256(target.read(item.key)).hexdigest() == digest:
                report.skipped.append(item.key)
                continue
            target.delete(item.key)  # other content (a damaged copy): written again
        target.put(item.key, data)
        if hashlib.sha256(target.read(item.key)).hexdigest() == digest:
            report.copied.append(item.key)
            echo(f"copied  {item.key}")
        else:
            report.failed.append(item.key)
            echo(f"failed  {item.key}: read back with other content")
    return report


def _named_sha(key: str) -> str | None:
    """The SHA-256 a file's key names (a thumbnail's key names its photo, not itself)."""
    return None if key.startswith("thumbs/") else key.rsplit("/", 1)[-1]

