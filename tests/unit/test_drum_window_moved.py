"""A drum counter whose camera was knocked aside, read without alignment marks: the ROI
stays where it was drawn and cuts the first drum. Where every drum sits off its cell by
the same move, the end cell follows its digit past the window's side; before, the cut
first drum was named (0 as 1, 3 or 9) and the reading was wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.bench.ocr_frames import device_settings
from services.core.config.simulator import FrameEffects
from services.ocr_worker.pipeline import FramePipeline, Rois
from services.simulator.drum import render_drum_frame
from services.simulator.lcd import encode_jpeg

SHOWS = 53679.9  # the first of seven drums shows 0: cut at its left, it looked like a 1, 3, 9
EFFECTS = FrameEffects(blur=1.0, noise=6.0, perspective=0.02, glare=0.2)


# Seeds of the knock; before, read 153679.9, 953679.9 and 353679.9.
@pytest.mark.parametrize("camera", [8, 9, 12])
def test_a_first_drum_the_window_cuts_is_read_whole(tmp_path: Path, camera: int) -> None:
    ocr = device_settings(tmp_path)["drum"].model_copy(update={"alignment": None})
    frame = render_drum_frame(536799.2, 7, EFFECTS, np.random.default_rng(camera), shift_px=10.0)
    outcome = FramePipeline(tmp_path).process("meter", encode_jpeg(frame), ocr, Rois(), None)
    assert outcome.accepted and outcome.read is not None, outcome.reason
    assert outcome.read.value == pytest.approx(SHOWS, abs=1e-9)
