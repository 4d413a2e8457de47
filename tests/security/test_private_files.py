"""Meterhub's SQLite file holds full tokens and refused payloads: owner-only, side files too."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.core.messages import Rejected
from services.storage.store import ReadingStore
from services.token_entry.attempts import AttemptStore

TOKEN = "12345678901234567890"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022: without care, files would be world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(path: Path) -> dict[str, int]:
    files = [path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))]
    return {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}


def test_storage_and_token_entry_create_the_file_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "meterhub.db"
    store = ReadingStore(path)
    attempts = AttemptStore(path)
    try:
        store.add_rejected([Rejected(device="pln", source="test", reason="x", reading="junk")])
        assert attempts.add("pln", "r1", "test", TOKEN, "queued", "") is not None
        # Open connections in WAL mode: the -wal and -shm files exist now.
        assert _modes(path) == dict.fromkeys(_modes(path), 0o600)
        assert TOKEN.encode() in path.read_bytes() + path.with_name("meterhub.db-wal").read_bytes()
    finally:
        store.close()


def test_a_world_readable_file_of_an_older_version_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "meterhub.db"
    for leftover in (path, path.with_name("meterhub.db-wal")):
        leftover.write_bytes(b"")
        leftover.chmod(0o644)
    AttemptStore(path).add("pln", "r1", "test", TOKEN, "queued", "")
    assert _modes(path) == dict.fromkeys(_modes(path), 0o600)
