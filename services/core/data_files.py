"""Files under the data directory that more than one service reads: written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def image_dir(data_dir: Path, device: str) -> Path:
    return data_dir / "images" / device


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it (readers see the old or the new file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
