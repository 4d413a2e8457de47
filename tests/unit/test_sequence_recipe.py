"""The sequence reader's recipe: networks at two scales of windows in one graph, each
named by what shapes it alone, and a reading standing only where all of them agree."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from services.bench.ocr_frames import models_in
from services.bench.ocr_holdout import make_cases
from services.cli import main
from services.ocr_training.sequence_cli import member_name, planned_members, recipe_sources
from services.ocr_training.training import SequenceTraining
from services.ocr_worker.classifier import MODELS_DIR
from services.ocr_worker.display_locator import shipped_locator
from services.ocr_worker.lcd7 import UnreadableDisplay
from services.ocr_worker.readers import Setup, read_digits
from services.ocr_worker.sequence_reader import (
    INPUT_NAME,
    OUTPUT_NAME,
    STRIP_HEIGHT,
    STRIP_WIDTH,
    shipped_reader,
)
from tests.font_helpers import needs_fonts


def test_each_scale_trains_its_members_in_the_graphs_order() -> None:
    planned = planned_members("dseg", SequenceTraining(), scale=0.5)
    assert [member.seed for _, member in planned] == [0, 1, 0, 1]
    once, twice = recipe_sources("dseg", 0.5), recipe_sources("dseg", 1.0)
    assert [sources for sources, _ in planned] == [once, once, twice, twice]
    assert "dseg" not in once and twice["polygons"] == 2 * once["polygons"]


def test_a_network_keeps_its_name_whatever_other_scales_the_graph_holds() -> None:
    names = [member_name(m, s) for s, m in planned_members("dseg", SequenceTraining())]
    assert len(set(names)) == 4
    alone = replace(SequenceTraining(), scales=(2.0,))
    assert [member_name(m, s) for s, m in planned_members("dseg", alone)] == names[2:]
    other = replace(SequenceTraining(), epochs=3)
    assert member_name(other, recipe_sources("dseg")) != names[0]


def test_train_sequence_refuses_a_scale_of_nothing(tmp_path: Path, capsys) -> None:
    assert main(["ocr", "train-sequence", "--scales", "1", "0", "--out", str(tmp_path)]) == 2
    assert "--scales [1.0, 0.0] must all be above 0" in capsys.readouterr().err


def test_the_shipped_graph_holds_two_networks_at_each_of_two_scales() -> None:
    reader = shipped_reader()
    assert reader is not None
    training = reader.meta["training"]
    assert (training["members"], training["scales"]) == (2, [1.0, 2.0])
    strips = np.zeros((1, 1, STRIP_HEIGHT, STRIP_WIDTH), np.float32)
    (log_probs,) = reader.session.run([OUTPUT_NAME], {INPUT_NAME: strips})
    assert log_probs.shape[0] == 4


class _FirstNetworks:
    """A graph's session answering as if it held only its first ``count`` networks (the
    graph shipped before held the first two)."""

    def __init__(self, session: object, count: int) -> None:
        self.session, self.count = session, count

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        (log_probs,) = self.session.run(names, feeds)  # type: ignore[attr-defined]
        return [log_probs[: self.count]]


@needs_fonts
def test_a_number_two_networks_read_wrong_together_the_other_two_do_not_confirm(
    tmp_path: Path,
) -> None:
    # A held-out frame (the bench's seed 81): a LED showing 623.854, nothing marked,
    # which the two networks of the first scale read as 623.054, every read sure.
    case = make_cases("dseg", 40, 81, tmp_path)[38]
    assert (case.style, case.value) == ("led", 623.854)
    frame = cv2.imdecode(np.frombuffer(case.jpeg, np.uint8), cv2.IMREAD_COLOR)
    reader = shipped_reader()
    assert reader is not None
    model_for = models_in(Path(MODELS_DIR))
    first_pair = copy.copy(reader)
    first_pair.session = _FirstNetworks(reader.session, 2)  # type: ignore[assignment]
    two = Setup(case.ocr, None, [], None, first_pair, shipped_locator())
    assert read_digits(frame, two, model_for).value == pytest.approx(623.054)
    four = replace(two, sequence=reader)
    with pytest.raises(UnreadableDisplay, match="moved a little or read by another member"):
        read_digits(frame, four, model_for)
