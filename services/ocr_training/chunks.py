"""Training data drawn in seeded chunks across processes: each chunk seeded by its source
and place, so any number of processes draws the same data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from typing import TypeVar

Job = TypeVar("Job")
Part = TypeVar("Part", bound=tuple)

CHUNK = 500  # items per job


def chunked(sources: dict[str, int]) -> list[tuple[str, int, int]]:
    """(source, items, chunk index) for ``sources[name]`` items of each source."""
    return [
        (name, min(CHUNK, count - first), first // CHUNK)
        for name, count in sources.items()
        for first in range(0, count, CHUNK)
    ]


def drawn(
    draw: Callable[[Job], Part],
    work: Sequence[Job],
    jobs: int,
    progress: Callable[[str], None] | None,
    what: str,
    total: int,
) -> list[Part]:
    """``draw`` of each of ``work``, in order, in ``jobs`` processes; progress by items
    (each part's first element's length)."""
    parts: list[Part] = []
    done = 0
    with ProcessPoolExecutor(jobs) if jobs > 1 else nullcontext() as pool:
        mapped = pool.map(draw, work) if pool is not None else map(draw, work)
        for part in mapped:
            parts.append(part)
            done += len(part[0])
            if progress:
                progress(f"{what} drawn: {done}/{total}")
    return parts
