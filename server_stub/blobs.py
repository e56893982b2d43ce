"""Content-addressed blob storage under the server's data dir (screenshots, project files).

A blob lives at ``{namespace}/{sha[:2]}/{sha}``, written once through a temporary file and an
atomic rename, so a reader never sees half a file and the same bytes are stored once. Callers
remove a blob inside the write transaction that drops its last row.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import ApiError
from .ids import new_id

CHUNK = 1024 * 1024


class TooLarge(ApiError):
    def __init__(self, code: str, max_bytes: int) -> None:
        super().__init__(413, code, f"uploads may be at most {max_bytes // (1024 * 1024)} MiB")


@dataclass(frozen=True, slots=True)
class Staged:
    """An upload written to a temporary file beside the store, not yet under its address."""

    tmp: Path
    sha256: str
    size: int
    head: bytes  # the first bytes, to tell the content type


class BlobStore:
    def __init__(self, data_dir: Path, namespace: str) -> None:
        self.root = Path(data_dir)
        self.namespace = namespace

    def key(self, sha256: str) -> str:
        return f"{self.namespace}/{sha256[:2]}/{sha256}"

    def path(self, key: str) -> Path:
        return self.root / key

    def _tmp(self) -> Path:
        d = self.root / self.namespace
        d.mkdir(parents=True, exist_ok=True)
        return d / f".upload.{new_id()}.tmp"

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` at ``key`` once (content-addressed), atomically."""
        path = self.path(key)
        if path.is_file() and path.stat().st_size == len(data):
            return
        tmp = self._tmp()
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def stage(self, src: BinaryIO, max_bytes: int, code: str, head_bytes: int = 8192) -> Staged:
        """Copy a stream to a temporary file, hashing it; 413 ``code`` past ``max_bytes``
        (nothing is kept). :meth:`commit` or :meth:`discard` the result."""
        tmp = self._tmp()
        digest = hashlib.sha256()
        size = 0
        head = b""
        try:
            with open(tmp, "wb") as fh:
                while chunk := src.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(code, max_bytes)
                    if len(head) < head_bytes:
                        head += chunk[: head_bytes - len(head)]
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return Staged(tmp, digest.hexdigest(), size, head)

    def commit(self, staged: Staged) -> str:
        """Move a staged upload to its address (dropping it if the blob is there); its key."""
        key = self.key(staged.sha256)
        path = self.path(key)
        if path.is_file() and path.stat().st_size == staged.size:
            staged.tmp.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged.tmp, path)
        return key

    @staticmethod
    def discard(staged: Staged) -> None:
        staged.tmp.unlink(missing_ok=True)

    def remove(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
