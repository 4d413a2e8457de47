"""The camera in front of a simulated Ferraris meter: a photo of the drum counter on a
timer and on ``cmd/capture``, with the register turning with the household's load."""

from __future__ import annotations

import random
from datetime import datetime

from ..core.config.simulator import SimulatedDrumMeter
from ..core.runtime.runner import ServiceContext
from .camera import Scene, SimulatedCamera
from .drum import lower_steps, render_drum_frame, shown_steps
from .prepaid import household_load_w


class DrumCamera(SimulatedCamera):
    settings: SimulatedDrumMeter

    def __init__(
        self, ctx: ServiceContext, device: str, settings: SimulatedDrumMeter, seed: int
    ) -> None:
        super().__init__(ctx, device, settings, seed)
        self.register_kwh = settings.reading_kwh
        self.load_rng = random.Random(seed)

    def advance(self, simulated_s: float) -> None:
        load_w = household_load_w(self.settings.load_w, datetime.now(), self.load_rng)
        self.register_kwh += load_w * simulated_s / 3_600_000

    def scene(self) -> Scene:
        steps = self.register_kwh * 10**self.decimals
        shown = shown_steps(steps, self.digits)
        settings, rng, drums = self.settings, self.rng, self.digits
        return Scene(
            render=lambda: render_drum_frame(
                steps, drums, settings.effects, rng, settings.shift_px
            ),
            truth={
                "text": f"{shown:0{drums}d}",
                "value": shown / 10**self.decimals,
                # right too: the last drum within READ_SNAP of its next digit (drum.py)
                "lower_value": lower_steps(steps, drums) / 10**self.decimals,
                "register_kwh": self.register_kwh,
            },
            shown=str(shown),
        )
