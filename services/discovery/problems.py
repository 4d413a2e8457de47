"""Per device: are its readings being refused? Counted from ``rejected`` and ``state`` traffic."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.messages import DeviceProblem


@dataclass
class _Count:
    rejected_in_a_row: int = 0
    problem: bool | None = None  # None: nothing said yet (Home Assistant shows "unknown")
    reason: str = ""
    live: bool = False  # seen traffic in this run: a retained problem must not override it


class ProblemTracker:
    """Turns rejections into a retained problem flag; one accepted reading clears it.

    Only transitions and rejections past the threshold produce a message, so a healthy
    camera costs one message when its first reading of the run is accepted.
    """

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._devices: dict[str, _Count] = {}

    def _count(self, device: str) -> _Count:
        return self._devices.setdefault(device, _Count())

    def seed(self, device: str, retained: DeviceProblem) -> None:
        """Start from what the previous run left on the broker, unless this run knows better."""
        count = self._count(device)
        if not count.live:
            count.problem = retained.problem
            count.rejected_in_a_row = retained.rejected_in_a_row
            count.reason = retained.reason

    def rejected(self, device: str, reason: str) -> DeviceProblem | None:
        count = self._count(device)
        count.live = True
        count.rejected_in_a_row += 1
        count.reason = reason
        if count.rejected_in_a_row < self.threshold:
            return None
        count.problem = True
        return DeviceProblem(problem=True, rejected_in_a_row=count.rejected_in_a_row, reason=reason)

    def accepted(self, device: str) -> DeviceProblem | None:
        count = self._count(device)
        count.live = True
        said_ok = count.problem is False
        count.rejected_in_a_row, count.problem = 0, False
        return None if said_ok else DeviceProblem(problem=False, rejected_in_a_row=0)
