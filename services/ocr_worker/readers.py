"""The digits of one frame, by the way the device is set up.

- Digit ROIs (one box per digit): each box is cut out, turned upright and given to the
  trained digit classifier; drum digits are then resolved against each other as the
  counter rolls (``rolling``).
- A display ROI: the digits are found inside it. An LCD or LED display goes through the
  7-segment reader (``lcd7``) with the box as its window; a drum counter's window is cut
  into one cell per drum.
- Neither (7-segment displays only): the 7-segment reader finds the display itself, so
  a new user gets readings before drawing any box.

Every path returns exactly what the display shows, or raises ``UnreadableDisplay`` with
the reason. LED modules (lit segments on black) are read by turning them into what the
LCD reader expects: dark segments on a bright window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import NamedTuple, Protocol

import cv2
import numpy as np

from ..core.config.devices import OcrConfig, Polarity
from .blank_cells import ink_in_blank_cells
from .byte_percentiles import byte_median
from .channels import brightest, dimmest
from .confirmations import confirmed_characters
from .display_locator import DisplayLocator, box_about
from .drum_geometry import combine, measure, name_pair, recentred
from .drum_play import STILL_NAMED, read_with_play
from .engines import ENGINES, NO_DIGIT, EngineMissing
from .faint_cells import faint_cells
from .geometry import Box, Crop, box_in_frame, crop, taller, whole_frame
from .lcd7 import DigitReading, OtherLayout, UnreadableDisplay, read_lcd7
from .led_glow import glowing_rows
from .level import residual_turn
from .rolling import DrumPosition, UnresolvableRoll, drum_position, resolve
from .sequence_reader import (
    STEPS,
    InkBeforeDigits,
    NoDigitsSeen,
    ReadsDiffer,
    SequenceReader,
    UnsureDigits,
    fitted,
)

# Share of a drum cell its digit may sit off centre before the cell is moved onto it.
_MAX_CELL_SHIFT = 0.25
# Share of a pitch the drums' median offset must reach before the row counts as moved off
# its window and an end cell may follow its digit past the window's side: less is the
# drums' own play (a real water meter's rolling last drum, 0.05 of a pitch off, was
# refused as an unclear 3 instead of read as 2 when its cell moved out with it).
_ROW_MOVED = 0.1
# How far the rightmost drum's measured turn may be off, in steps: on 1,186 simulated
# frames it was off by 0.012 (spread), at most 0.044 (docs/ocr.md, *Rolling drums*).
TURN_ERROR = 0.05
_DRUM_CELL_ASPECT = 0.7  # width / height of one drum's window on most counters
# The reading with play finds each drum's digit whole in its cell; a window marked tight
# or a few pixels off cuts the digits at its top or bottom ("fewer than two drums show a
# whole digit"), so it reads the same cells seen this share of the row's height further
# above and below (docs/ocr.md, *Drums with play*).
_PLAY_VIEW_MARGIN = 0.15
_ROW_TILT_DEG = 10.0  # a drum row's window is levelled within this turn
# How much of the dimmest channel is taken off a light-on-dark display's brightest one.
_GLARE_SUPPRESSION = 0.75
_DARK_FACE_LEVEL = 80  # median grey below which a window is taken for a LED's black face
_AS = {"dark_on_light": "an LCD", "light_on_dark": "a LED display"}
_LED_AS_LCD = (30.0, 200.0)  # grey levels a lit segment and the dark face are mapped to
_SURE_DIGIT = 0.9  # a digit read less surely needs the sequence reader to confirm the number
_SAME_WINDOW = 0.6  # a found glass covering more of the ROI than this is the ROI itself
# The glass around a display's digit boxes, each side, in the boxes' height: the margin
# a display ROI drawn on the glass leaves (0.3 and 0 read 5 and 25 fewer of 360 held-out
# frames).
_GLASS_AROUND_DIGITS = 0.5


class Prediction(Protocol):
    digit: str
    confidence: float
    probabilities: np.ndarray


class DigitModel(Protocol):
    def predict(self, crops: list[np.ndarray]) -> list[Prediction]: ...


ModelFor = Callable[[str], DigitModel | None]  # "lcd" | "drum" → model, None if missing
# A drum window's cells seen taller, cut only where the reading with play asks for them.
PlayViews = Callable[[], list[np.ndarray]]


@dataclass(frozen=True)
class DigitsRead:
    text: str  # one character per digit position, left to right, no decimal point
    value: float
    confidences: list[float]
    boxes: list[Box]  # per digit, in frame pixels
    display: Box | None  # where the display was found or marked, in frame pixels
    method: str  # which path read it, for the ocr message and the annotated image


@dataclass(frozen=True)
class Setup:
    """What one frame is read with: the device's settings and the ROIs in force."""

    ocr: OcrConfig
    display: Box | None
    digits: list[Box]
    alignment: np.ndarray | None  # reference → frame, when alignment marks are set
    sequence: SequenceReader | None = None  # reads a display window whole
    locator: DisplayLocator | None = None  # finds the display where no ROI is drawn


class Objection(UnreadableDisplay):
    """The sequence reader, beside another reader, surely sees something else there
    (another number, no digits, a digit that reader missed): a reason to refuse, where
    a reader that is merely torn or unsure only cannot confirm."""


def read_digits(frame: np.ndarray, setup: Setup, model_for: ModelFor) -> DigitsRead:
    ocr = setup.ocr
    if setup.digits:
        if len(setup.digits) != ocr.digits:
            raise UnreadableDisplay(
                f"{len(setup.digits)} digit ROIs marked, the display has {ocr.digits} digits"
            )
        if ocr.display == "drum":
            return _read_cells(frame, setup, setup.digits, model_for, "digit ROIs")
        return _read_digit_boxes(frame, setup, model_for)
    if ocr.display == "drum":
        if setup.display is None:
            raise UnreadableDisplay(
                "a drum counter needs its display ROI or digit ROIs (draw them in the web page)"
            )
        return _read_drum_window(frame, setup, setup.display, model_for)
    return _lit_zeros_checked(_read_segment_display(frame, setup), ocr)


def _lit_zeros_checked(read: DigitsRead, ocr: OcrConfig) -> DigitsRead:
    """``read``, unless it shows a lit leading zero after a blank cell: a display blanks
    its leading zeros or lights them all, so such a reading has lost a digit at its end
    (0004 under glare read as a blank and 000)."""
    blanks = ocr.digits - len(read.text)
    units = len(read.text) - ocr.decimals - 1  # index of the units digit in ``read.text``
    if blanks > 0 and units > 0 and read.text[0] == "0":
        raise UnreadableDisplay(
            f"{read.text!r} lights a leading zero after {blanks} blank cell(s): a digit missed?"
        )
    return read


# --- digit ROIs -----------------------------------------------------------------------


def _read_digit_boxes(frame: np.ndarray, setup: Setup, model_for: ModelFor) -> DigitsRead:
    """A display's digit boxes are read by the digit models, checked by the sequence
    reader; where that is refused, by the segments' geometry, as a display ROI is."""
    window = setup.display or _around(setup.digits)
    try:
        return _read_by_digit_models(frame, setup, model_for, window)
    except UnreadableDisplay as refused:
        return _read_segments_in_boxes(frame, setup, window, refused)


def _read_segments_in_boxes(
    frame: np.ndarray, setup: Setup, window: Box, refused: UnreadableDisplay
) -> DigitsRead:
    """The digit boxes read as the display ROI around them is read (the segments'
    geometry, cross-checked by the sequence reader), where the digit models refused: a
    digit model half-knows a look it never learned, while the geometry reads segments of
    any shape. The digits it finds must each sit in the box marked for its place."""
    if setup.display is None:  # the glass around the digits, as a display ROI marks it
        window = _glass_around(window)
    as_display = replace(setup, display=window, digits=[])
    try:
        read = _read_segments(frame, as_display)
        _check_in_marked_boxes(frame, setup, read)
        found = replace(as_display, alignment=None)  # the digits' boxes are in frame pixels
        window_read = _found_window(frame, setup, read)
        return replace(_cross_checked(frame, found, read, window_read, "the segments"),
                       method="digit ROIs, segments")  # fmt: skip
    except UnreadableDisplay as error:
        raise UnreadableDisplay(f"{refused.reason}; read as a display: {error.reason}") from None


def _glass_around(digits: Box) -> Box:
    """The glass around a display's digits, as a display ROI would mark it."""
    x, y, w, h = digits
    pad = round(_GLASS_AROUND_DIGITS * h)
    return (x - pad, y - pad, w + 2 * pad, h + 2 * pad)


def _check_in_marked_boxes(frame: np.ndarray, setup: Setup, read: DigitsRead) -> None:
    """Each digit the geometry read lies in the digit box marked for its place (the
    rightmost ones: blank leading cells hold none)."""
    ocr = setup.ocr
    marked = [box_in_frame(b, frame.shape, ocr.rotation_deg, setup.alignment) for b in setup.digits]
    places = marked[len(marked) - len(read.boxes) :]
    for place, (found, (x, y, w, h)) in enumerate(zip(read.boxes, places, strict=True)):
        centre_x, centre_y = found[0] + found[2] / 2, found[1] + found[3] / 2
        if not (x <= centre_x <= x + w and y <= centre_y <= y + h):
            index = len(marked) - len(read.boxes) + place + 1
            raise UnreadableDisplay(f"the segments found digit {index} outside its digit ROI")


def _read_by_digit_models(
    frame: np.ndarray, setup: Setup, model_for: ModelFor, window: Box
) -> DigitsRead:
    """The digit models' reading of the boxes, and the sequence reader's of the window
    around them (``_windows_around_boxes``): either may read alone, and when both read
    they must agree."""
    windows = _windows_around_boxes(setup, window)
    try:
        read = _read_cells(frame, setup, setup.digits, model_for, "digit ROIs")
    except UnreadableDisplay as error:
        if setup.sequence is None:
            raise
        tried = [(prefix, setup, box, f"digit ROIs, sequence reader{said}")
                 for prefix, box, said in windows]  # fmt: skip
        return _read_by_sequence(frame, setup.sequence, error, tried)
    worst = min(range(len(read.confidences)), key=lambda i: read.confidences[i], default=None)
    if worst is None or read.confidences[worst] >= _SURE_DIGIT:
        return _cross_checked(frame, setup, read, window, "the digit models")
    # A digit model that half-knows a look it never learned is wrong as often as right:
    # only the sequence reader reading the same number, in either window, confirms it.
    doubt = f"digit {worst + 1} is not sure ({read.confidences[worst]:.2f})"
    attempts = (
        (prefix, partial(_cross_checked, frame, setup, read, box, "the digit models", doubt))
        for prefix, box, _ in windows
    )
    return _first_that_reads(attempts, [])


def _windows_around_boxes(setup: Setup, window: Box) -> list[tuple[str, Box, str]]:
    """Where the sequence reader reads digit boxes (reason prefix, window, method note):
    the marked display; with none, the box around the digits, then the glass around them.
    It learned windows cut both ways, and reads many a display in one that it is torn on
    in the other (held-out `dseg` frames, docs/ocr.md)."""
    if setup.display is not None:
        return [("", window, "")]
    around = " on the glass around them"
    return [("", window, ""), ("on the glass around the digits: ", _glass_around(window), around)]


def _read_cells(
    frame: np.ndarray, setup: Setup, boxes: list[Box], model_for: ModelFor, method: str
) -> DigitsRead:
    ocr = setup.ocr
    crops = [crop(frame, box, ocr.rotation_deg, setup.alignment) for box in boxes]
    return _classify(frame, setup, crops, model_for, method)


def _classify(
    frame: np.ndarray,
    setup: Setup,
    crops: list[Crop],
    model_for: ModelFor,
    method: str,
    play_views: PlayViews | None = None,
) -> DigitsRead:
    """``play_views``: a drum window's cells seen taller, for the reading with play."""
    ocr = setup.ocr
    kind = "drum" if ocr.display == "drum" else "lcd"
    model = _digit_model(ocr, kind, model_for)
    predictions = model.predict([c.image for c in crops])
    _check_read(predictions, ocr)
    boxes = [c.box_in_frame((0, 0, c.image.shape[1], c.image.shape[0]), frame.shape) for c in crops]
    if kind == "drum":
        images = [c.image for c in crops]
        views = play_views or (lambda: images)
        text, confidences = _read_drums(model, images, predictions, ocr, views)
    else:
        confidences = [round(float(p.confidence), 3) for p in predictions]
        _check_confidence(confidences, [p.digit for p in predictions], ocr)
        _check_faint([c.image for c in crops], predictions)
        text = "".join(p.digit for p in predictions)
    display = setup.display
    if display is not None:
        display = box_in_frame(display, frame.shape, ocr.rotation_deg, setup.alignment)
    return DigitsRead(text, int(text) / 10**ocr.decimals, confidences, boxes, display, method)


def _digit_model(ocr: OcrConfig, kind: str, model_for: ModelFor) -> DigitModel:
    if ocr.engine != "builtin":
        try:
            return ENGINES[ocr.engine]()
        except EngineMissing as error:
            raise UnreadableDisplay(str(error)) from None
    model = model_for(kind)
    if model is None:
        raise UnreadableDisplay(f"no {kind} digit model (build one with `meterhub ocr train`)")
    return model


def _check_read(predictions: list[Prediction], ocr: OcrConfig) -> None:
    for index, prediction in enumerate(predictions, start=1):
        if prediction.digit == NO_DIGIT:
            raise UnreadableDisplay(f"digit {index}: {ocr.engine} read no single digit")


def _read_drums(
    model: DigitModel,
    images: list[np.ndarray],
    predictions: list[Prediction],
    ocr: OcrConfig,
    play_views: PlayViews,
) -> tuple[str, list[float]]:
    """The drums strictly, following a carry to the pixel; where they contradict each
    other that way, as a real counter with play in its drums is read (``drum_play``), in
    ``play_views`` of the same cells (cut only then)."""
    try:
        positions = _measured_drums(model, images, predictions)
        confidences = [round(p.confidence, 3) for p in positions]
        _check_confidence(confidences, [str(p.lower) for p in positions], ocr)
        return resolve(positions, TURN_ERROR).digits, confidences
    except UnresolvableRoll as strict:
        try:
            played = read_with_play(play_views(), model.predict, ocr.min_digit_confidence)
        except UnresolvableRoll as loose:
            raise UnreadableDisplay(f"{strict}; read allowing for play: {loose}") from None
        return played.digits, played.confidences


def _measured_drums(
    model: DigitModel, images: list[np.ndarray], predictions: list[Prediction]
) -> list[DrumPosition]:
    """Drum positions: the classifier's, with each turn measured from the image where it
    can be; a drum at rest named again with its digit moved to its place, a drum between
    two digits named by the pair that fits the crop and both digits moved to rest
    (``drum_geometry``)."""
    positions = [drum_position(p.probabilities) for p in predictions]
    measured = measure(images, positions)
    looks: list[np.ndarray] = []
    asked: dict[int, int] = {}  # drum -> index of its first extra look
    for i, found in enumerate(measured):
        if found is None or (not found.moving and abs(found.shift_px) < 1.0):
            continue
        asked[i] = len(looks)
        if found.moving:
            looks.append(recentred(images[i], found.leaving_shift_px))
            looks.append(recentred(images[i], found.coming_shift_px))
        else:
            looks.append(recentred(images[i], found.shift_px))
    again = model.predict(looks) if looks else []
    for i, found in enumerate(measured):
        if found is None:
            continue
        if found.moving:
            leaving, coming = again[asked[i]], again[asked[i] + 1]
            positions[i] = name_pair(
                found, predictions[i].probabilities, leaving.probabilities, coming.probabilities
            )
        else:
            look = again[asked[i]] if i in asked else None
            named = (int(look.digit), float(look.confidence)) if look is not None else None
            positions[i] = combine(positions[i], found, named)
    if measured and (measured[-1] is None or not measured[-1].moving):
        _check_last_drum_named(len(positions), positions[-1])
    return positions


def _check_last_drum_named(count: int, position: DrumPosition) -> None:
    """The last drum, measured at rest or not measured at all, is checked by nothing but
    its naming (every other drum must also sit where its neighbour's carry puts it).
    Named less surely than a still drum must be (``STILL_NAMED``), it is a digit the model
    does not know (a gas meter's 0 beside its scale of ticks named 1 at 0.73; a Ferraris
    meter's red 3 named 4 at 0.67; a cell pulled half off its digit named 3 turning to 4
    at 0.71); the reading with play then looks at it in its own windows. A last drum
    measured between two digits is named by its pair (``name_pair``) instead."""
    if position.confidence < STILL_NAMED:
        raise UnresolvableRoll(
            f"digit {count} (the last) is named only {position.confidence:.2f} sure "
            f"(looks like {position.lower})"
        )


def _check_confidence(confidences: list[float], shown: list[str], ocr: OcrConfig) -> None:
    for index, (confidence, digit) in enumerate(zip(confidences, shown, strict=True), start=1):
        if confidence < ocr.min_digit_confidence:
            raise UnreadableDisplay(
                f"digit {index} is unclear (confidence {confidence:.2f}, looks like {digit})"
            )


def _check_faint(images: list[np.ndarray], predictions: list[Prediction]) -> None:
    for index in faint_cells(images):
        if predictions[index].digit != "0":
            raise UnreadableDisplay(
                f"digit {index + 1} is faint beside the others, yet reads "
                f"{predictions[index].digit} (an unlit cell's ghost segments?)"
            )


# --- a drum counter's window ------------------------------------------------------------


def _read_drum_window(
    frame: np.ndarray, setup: Setup, display: Box, model_for: ModelFor
) -> DigitsRead:
    """One cell per drum: the row levelled, its window split evenly, each cell then moved
    onto its digit (the drums' frames make even cells drift a little across a long window);
    the same cells seen taller for the reading with play (``_PLAY_VIEW_MARGIN``)."""
    ocr = setup.ocr
    # The row is cut wider than the window by as far as a cell may move onto its digit:
    # where the whole row sits off its cells (a camera knocked aside, no alignment marks),
    # an end drum the window cuts is then seen whole (cut at the window's edge, a 0 was
    # read as a 3). Where only an end cell would move out, it stays inside: on a window
    # drawn tight, that is the meter's housing pulling it.
    margin = math.ceil(_MAX_CELL_SHIFT * display[2] / ocr.digits)
    row = _levelled_row(frame, display, setup, margin)
    height, width = row.image.shape[:2]
    pitch = (width - 2 * margin) / ocr.digits
    # A drum's face is narrower than its pitch (frames between drums); the cell keeps to
    # the face's usual proportions rather than take in the neighbours' edges.
    cell = max(min(pitch, _DRUM_CELL_ASPECT * height), 1.0)
    grey = _grey(row.image)
    starts = [margin + index * pitch for index in range(ocr.digits)]
    offsets = [ink_offset(grey[:, round(x) : round(x + pitch)], pitch) for x in starts]
    moved = float(np.median(offsets))
    if abs(moved) >= _ROW_MOVED * pitch:  # each digit looked for where the row's move puts it
        regions = [grey[:, round(x + moved) : round(x + moved + pitch)] for x in starts]
        offsets = [moved + ink_offset(region, pitch) for region in regions]
    else:
        moved = 0.0
    lowest = margin + min(moved, 0.0)
    highest = width - margin - cell + max(moved, 0.0)
    crops, lefts = [], []
    for start, offset in zip(starts, offsets, strict=True):
        x0 = round(min(max(start + (pitch - cell) / 2 + offset, lowest), highest))
        to_frame = row.to_frame @ np.array([[1, 0, x0], [0, 1, 0], [0, 0, 1]], np.float64)
        crops.append(Crop(row.image[:, x0 : x0 + round(cell)], to_frame))
        lefts.append(x0)

    def play_views() -> list[np.ndarray]:
        seen_taller = taller(frame, row, round(_PLAY_VIEW_MARGIN * height)).image
        return [seen_taller[:, x0 : x0 + round(cell)] for x0 in lefts]

    return _classify(frame, setup, crops, model_for, "display ROI", play_views)


def _levelled_row(frame: np.ndarray, display: Box, setup: Setup, margin: int = 0) -> Crop:
    """The row of drums in ``display``, turned level. A box drawn upright round a row on
    a meter hung askew holds the row at a slant; the drums' heights then drift across the
    window, and the drum reader takes the drift for drums turning (a 7-drum row at 2°
    read a digit ahead). The turn comes from the row's own edges, seen in a view twice
    the box's height so that they stay in view while it turns. Level, the row fills the
    box's height less the rise the slant took across its width; ``margin`` pixels of the
    row beyond each side come with it."""
    x, y, w, h = display
    turn, alignment = setup.ocr.rotation_deg, setup.alignment
    view = crop(frame, (x, y - h // 2, w, h + 2 * (h // 2)), turn, alignment)
    tilt = residual_turn(view.image, _ROW_TILT_DEG)
    row = max(round(h - w * abs(math.sin(math.radians(tilt)))), round(h / 2))
    box = (x - margin, y + (h - row) // 2, w + 2 * margin, row)
    return crop(frame, box, turn + tilt, alignment)


def ink_offset(cell: np.ndarray, pitch: float) -> float:
    """How far the digit's centre of ink lies right of the cell's centre (either polarity).
    Ink is taken as change from row to row: the frames between drums run straight down
    the cell and would pull a plain darkness centre onto them."""
    if cell.shape[0] < 2 or cell.shape[1] == 0:
        return 0.0
    column = np.abs(np.diff(cell.astype(np.float32), axis=0)).sum(axis=0)
    column -= float(np.percentile(column, 20))
    np.clip(column, 0, None, out=column)
    total = float(column.sum())
    if total <= 0:
        return 0.0
    centre = float((column * np.arange(column.size)).sum()) / total
    shift = centre - (column.size - 1) / 2
    return float(np.clip(shift, -_MAX_CELL_SHIFT * pitch, _MAX_CELL_SHIFT * pitch))


# --- 7-segment displays -------------------------------------------------------------------


def _read_segment_display(frame: np.ndarray, setup: Setup) -> DigitsRead:
    """A display is read twice where the sequence reader is there: by its segments'
    geometry and whole, by the learned sequence reader, around the digits the geometry
    read, else on the marked display or where the locator finds it.
    Either may read it alone; when both read, they must agree. A layout the geometry
    objects to (more digits, the point elsewhere) is most often a label or a speck it took
    in, so the sequence reader still reads, unless the display cycles: there another
    register is on show. The locator is asked only where the geometry read nothing: it
    costs 2 ms a frame (``_sequence_windows``)."""
    try:
        read = _read_segments(frame, setup)
    except UnreadableDisplay as error:
        if setup.sequence is None or (isinstance(error, OtherLayout) and setup.ocr.cycling):
            raise
        return _read_by_sequence(frame, setup.sequence, error, _sequence_windows(frame, setup))
    found = replace(setup, alignment=None)  # the digits' boxes are in frame pixels
    try:
        return _cross_checked(frame, found, read, _found_window(frame, setup, read), "the segments")
    except UnreadableDisplay as objection:
        return _cross_checked_turned(frame, setup, read, objection)


def _cross_checked_turned(
    frame: np.ndarray, setup: Setup, read: DigitsRead, objection: UnreadableDisplay
) -> DigitsRead:
    """A display lying askew (in the frame, or in a ROI drawn upright round it): the
    geometry reads it, but the sequence reader, reading the upright box around its
    digits, sees them slanted and objects. Where the locator finds the glass turned, the
    sequence reader reads it turned upright, and only the same number confirms the
    geometry's; else ``objection`` stands."""
    if setup.sequence is None:
        raise objection
    if setup.display is None:
        found = _found_glass(frame, setup)
    else:
        found = _found_inside_roi(frame, setup, setup.display)
    if found is None or not found.askew:
        raise objection
    box, turn, _ = found
    doubt = f"{objection.reason}; read again turned {turn:.0f}°, as the display lies"
    return _cross_checked(frame, _turned_to(setup, turn), read, box, "the segments", doubt)


def _found_window(frame: np.ndarray, setup: Setup, read: DigitsRead) -> Box | None:
    """Where to cross-check the digits the geometry found: the box around them, widened
    each side by a digit pitch for every position it read as blank, since a digit it
    missed at the end would otherwise be missed again (99464 read as 9946 with a blank
    leading cell). Not the ROI: one drawn around the meter's face holds labels and
    bezels that the sequence reader would read as more digits."""
    if not read.boxes:
        return None
    x, y, w, h = _around(read.boxes)
    missing = setup.ocr.digits - len(read.boxes)
    if missing <= 0:
        return (x, y, w, h)
    pitch = w / len(read.boxes)
    left = max(0, round(x - missing * pitch))
    right = min(frame.shape[1], round(x + w + missing * pitch))
    return (left, y, right - left, h)


SequenceWindow = tuple[str, Setup, Box, str]  # reason prefix, setup, window, method


def _read_by_sequence(
    frame: np.ndarray,
    reader: SequenceReader,
    refused: UnreadableDisplay,
    windows: Iterable[SequenceWindow],
) -> DigitsRead:
    """The sequence reader's reading of the first of ``windows`` it reads, where the
    first reader ``refused``; else the frame refused with every reason."""
    attempts = (
        (prefix, partial(_read_sequence, frame, setup, window, reader, method))
        for prefix, setup, window, method in windows
    )
    return _first_that_reads(attempts, [refused.reason])


def _first_that_reads(
    attempts: Iterable[tuple[str, Callable[[], DigitsRead]]], reasons: list[str]
) -> DigitsRead:
    """The first of ``attempts`` (reason prefix, reading) that reads, each tried only once
    the one before is refused; else the frame refused with ``reasons`` and each attempt's.
    An ``Objection`` ends the search: no later attempt overrules it."""
    for prefix, attempt in attempts:
        try:
            return attempt()
        except Objection:
            raise
        except UnreadableDisplay as error:
            reasons.append(f"{prefix}{error.reason}")
    raise UnreadableDisplay("; ".join(reasons))


def _sequence_windows(frame: np.ndarray, setup: Setup) -> Iterator[SequenceWindow]:
    """Where the sequence reader reads a display the geometry refused, in turn (each
    looked for only once the one before is refused): the marked display, then the glass
    the locator finds inside it where it was drawn loosely (around the meter's face, say),
    or where it finds none there, the glass around it (a ROI drawn round the digits
    alone: the reader is torn on such tight windows far more often), then rows of LED
    digits glowing inside it; with no ROI, where the locator finds the display, then
    the glowing rows, then the whole frame. A found glass lying askew is read turned
    upright by its own turn, and so is the marked display. A found box, a glowing row and
    the whole frame are in frame pixels, so read without the alignment that moves marked
    boxes."""
    if setup.display is not None:
        level = _read_level(frame, setup, setup.display)
        yield "", level, setup.display, "display ROI, sequence reader"
        if (inside := _found_inside_roi(frame, setup, setup.display)) is not None:
            method = "display found inside the ROI, sequence reader"
            yield "inside the ROI: ", _turned_to(setup, inside.turn), inside.box, method
        else:  # the ROI may be drawn round the digits alone
            method = "display ROI and the glass around it, sequence reader"
            yield "with the glass around the ROI: ", level, _glass_around(setup.display), method
        rows = _glowing_rows_in_roi(frame, setup, setup.display)
        for index, (row, turn) in enumerate(rows, start=1):
            method = "glowing LED row inside the ROI, sequence reader"
            yield f"glowing row {index} inside the ROI: ", _turned_to(setup, turn), row, method
    else:
        if (found := _found_glass(frame, setup)) is not None:
            yield "", _turned_to(setup, found.turn), found.box, "found display, sequence reader"
        in_frame = replace(setup, alignment=None)  # found in frame pixels
        for index, row in enumerate(glowing_rows(frame), start=1):
            yield f"glowing row {index}: ", in_frame, row, "glowing LED row, sequence reader"
        # A photo cropped to the display: the locator learned glass with room around it
        # and finds only part of one that fills the view (a scale's 129.3 read 29.3).
        whole = (0, 0, frame.shape[1], frame.shape[0])
        yield "the whole frame: ", in_frame, whole, "whole frame as the display, sequence reader"


def _read_level(frame: np.ndarray, setup: Setup, roi: Box) -> Setup:
    """``setup`` turned so that ``roi`` reads level: a ROI drawn upright round a display
    hung askew holds its digits at a slant, and the sequence reader learned only a few
    degrees of that. The turn comes from the display's own edges."""
    ocr = setup.ocr
    tilt = residual_turn(crop(frame, roi, ocr.rotation_deg, setup.alignment).image)
    if tilt == 0.0:
        return setup
    return replace(setup, ocr=ocr.model_copy(update={"rotation_deg": ocr.rotation_deg + tilt}))


class FoundGlass(NamedTuple):
    box: Box  # frame pixels, as ``geometry.crop`` takes it with ``turn``
    turn: float  # the turn that makes it level
    askew: bool  # turned otherwise than its frame or ROI: levelled by its own edges


def _levelled(frame: np.ndarray, box: Box, turn: float, askew: bool) -> FoundGlass:
    """A glass found askew gets the locator's coarse turn corrected by its own edges."""
    if askew:
        turn += residual_turn(crop(frame, box, turn).image)
    return FoundGlass(box, turn, askew)


def _found_glass(frame: np.ndarray, setup: Setup) -> FoundGlass | None:
    """The glass the locator finds in the whole frame, and the turn that makes it level."""
    if setup.locator is None:
        return None
    found = setup.locator.find_turned(frame, setup.ocr.rotation_deg)
    if found is None:
        return None
    box, turn = found
    return _levelled(frame, box, turn, askew=turn != setup.ocr.rotation_deg)


def _turned_to(setup: Setup, turn_deg: float) -> Setup:
    """``setup`` for a found box: frame pixels, read turned upright by ``turn_deg``."""
    ocr = setup.ocr.model_copy(update={"rotation_deg": turn_deg})
    return replace(setup, ocr=ocr, alignment=None)


def _found_inside_roi(frame: np.ndarray, setup: Setup, roi: Box) -> FoundGlass | None:
    """The glass the locator finds inside ``roi`` (askew: turned in the ROI's view);
    None where nothing is found, or an upright glass fills the ROI anyway (the window
    already read)."""
    if setup.locator is None:
        return None
    view = crop(frame, roi, setup.ocr.rotation_deg, setup.alignment)
    found = setup.locator.find_turned(view.image)
    height, width = view.image.shape[:2]
    if found is None:
        return None
    (x, y, w, h), turn = found
    if turn == 0.0 and w * h > _SAME_WINDOW * width * height:
        return None
    box, total = _in_frame(view, (x, y, w, h), turn)
    return _levelled(frame, box, total, askew=turn != 0.0)


def _in_frame(view: Crop, box: Box, turn: float = 0.0) -> tuple[Box, float]:
    """A box found in ``view`` (turned ``turn`` there) as a frame box and the turn that
    reads it upright: the view's own turn (the set one, and the alignment's) and scale
    come from its matrix."""
    x, y, w, h = box
    along_x = view.to_frame[:2, 0]
    view_turn = float(np.degrees(np.arctan2(along_x[1], along_x[0])))
    scale = float(np.hypot(*along_x))
    centre = view.to_frame @ np.array([x + w / 2 - 0.5, y + h / 2 - 0.5, 1.0])
    upright = (w, h) if round(turn / 90.0) % 2 == 0 else (h, w)
    size = (upright[0] * scale, upright[1] * scale)
    total = view_turn + turn
    return box_about((centre[0] / centre[2] + 0.5, centre[1] / centre[2] + 0.5), size, total), total


def _glowing_rows_in_roi(frame: np.ndarray, setup: Setup, roi: Box) -> list[tuple[Box, float]]:
    """Rows of glowing LED digits inside ``roi`` (``led_glow``), as frame boxes and turns."""
    view = crop(frame, roi, setup.ocr.rotation_deg, setup.alignment)
    return [_in_frame(view, row) for row in glowing_rows(view.image)]


def _cross_checked(
    frame: np.ndarray,
    setup: Setup,
    read: DigitsRead,
    window: Box | None,
    first: str,
    doubt: str | None = None,
) -> DigitsRead:
    """``read``, unless the sequence reader reads ``window`` surely as another number: a
    second opinion from a reader that fails differently. An unsure one is no objection,
    unless its members and views, torn, mostly read another number, or ``read`` is in
    ``doubt`` (why it may not stand alone): then only the same number confirms it. Ink
    in the cell before the sequence reader's digits objects where ``read`` has blank
    cells as well: both then leave a digit unread."""
    if window is None or setup.sequence is None:
        return read
    decimals = setup.ocr.decimals
    # Why it is refused: the doubt, then the first reader's number against the sequence
    # reader's view.
    first_read = ("" if doubt is None else f"{doubt}: ") + f"{first} read {read.value:.{decimals}f}"
    try:
        whole = _read_sequence(frame, setup, window, setup.sequence)
    except ReadsDiffer as error:
        same = sum(_digits_of(text) == _digits_of(read.text) for text in error.texts)
        if doubt is None and same > len(error.texts) / 2:
            return read
        torn = " or ".join(repr(text) for text in dict.fromkeys(error.texts))
        raise UnreadableDisplay(f"{first_read}, the sequence reader {torn}") from None
    except NoDigitsSeen:
        raise Objection(f"{first_read}, the sequence reader no digits there") from None
    except UnreadableDisplay as error:
        blank_cells = len(read.text) < setup.ocr.digits
        if isinstance(error, InkBeforeDigits) and blank_cells:
            raise Objection(f"{first_read} with blank cells, yet {error.reason}") from None
        if isinstance(error, UnsureDigits) and blank_cells and len(error.digits) > len(read.text):
            raise Objection(
                f"{first_read} with blank cells, yet the sequence reader sees "
                f"{len(error.digits)} digits there ({error.reason})"
            ) from None
        if doubt is None:
            return read
        raise UnreadableDisplay(
            f"{doubt} and the sequence reader cannot confirm it: {error.reason}"
        ) from None
    if abs(whole.value - read.value) > 1e-9:
        raise Objection(f"{first_read}, the sequence reader {whole.value:.{decimals}f}")
    return read


def _digits_of(text: str) -> str:
    """A sequence reader's text as the digits a reading holds: no point, no blank cells."""
    return text.replace(".", "").lstrip("0") or "0"


def _around(boxes: list[Box]) -> Box:
    """The smallest box holding every one of ``boxes``: the display's digits."""
    left = min(x for x, _, _, _ in boxes)
    top = min(y for _, y, _, _ in boxes)
    right = max(x + w for x, _, w, _ in boxes)
    bottom = max(y + h for _, y, _, h in boxes)
    return (left, top, right - left, bottom - top)


def _read_sequence(
    frame: np.ndarray,
    setup: Setup,
    display: Box,
    reader: SequenceReader,
    method: str = "display ROI, sequence reader",
) -> DigitsRead:
    ocr = setup.ocr
    view = crop(frame, display, ocr.rotation_deg, setup.alignment)
    read = reader.read(view.image, ocr.digits)
    confirmed = confirmed_characters(view.image, read, ocr.decimals, ocr.min_digit_confidence)
    number = fitted(read, ocr.digits, ocr.decimals, confirmed)
    if confirmed:
        method += ", unsure characters confirmed"
    digits = [(c, p, x) for c, p, x in zip(read.text, read.confidences, read.columns, strict=True)
              if c != "."]  # fmt: skip
    confidences = [p for _, p, _ in digits]
    _check_confidence(confidences, [c for c, _, _ in digits], ocr)
    centres = [(x + 0.5) / STEPS for _, _, x in digits]
    point_after = read.text.find(".") if "." in read.text else None
    if reason := ink_in_blank_cells(view.image, centres, point_after, ocr.digits - len(digits)):
        raise InkBeforeDigits(reason)
    height, width = view.image.shape[:2]
    step, cell = width / STEPS, width / ocr.digits
    boxes = [
        view.box_in_frame((round((x + 0.5) * step - cell / 2), 0, round(cell), height), frame.shape)
        for _, _, x in digits
    ]
    window = view.box_in_frame((0, 0, width, height), frame.shape)
    text = "".join(c for c, _, _ in digits)
    value = int(number) / 10**ocr.decimals
    return DigitsRead(text, value, confidences, boxes, window, method)


def _read_segments(frame: np.ndarray, setup: Setup) -> DigitsRead:
    """The 7-segment reader on the marked display, or on the whole frame; an LED module
    (and, with ``auto``, anything the LCD reading refuses) is tried inverted."""
    ocr = setup.ocr
    marked = setup.display
    box = marked if marked is not None else whole_frame(frame)
    view = crop(frame, box, ocr.rotation_deg, setup.alignment)
    polarities = _polarities(view.image, ocr.polarity)
    errors: list[str] = []
    other_layout = False  # a number laid out otherwise seen in either polarity
    for polarity in polarities:
        grey = _grey(view.image) if polarity == "dark_on_light" else _lit_as_dark(view.image)
        pad_x, pad_y = (grey.shape[1] // 4, grey.shape[0] // 2) if marked else (0, 0)
        if marked:
            grey = _surround(grey, pad_x, pad_y)
        try:
            read = read_lcd7(grey, ocr.digits, ocr.decimals)
        except UnreadableDisplay as error:
            other_layout = other_layout or isinstance(error, OtherLayout)
            errors.append(
                f"as {_AS[polarity]}: {error.reason}" if len(polarities) > 1 else error.reason
            )
            continue
        if ocr.engine != "builtin":
            read = _read_boxes_with_engine(grey, read, ocr)
        _check_confidence(read.confidences, list(read.text), ocr)
        boxes = [
            view.box_in_frame((x - pad_x, y - pad_y, w, h), frame.shape)
            for x, y, w, h in read.boxes
        ]
        display = view.box_in_frame((0, 0, *view.image.shape[1::-1]), frame.shape)
        text = read.text  # blank leading cells are not digits: no box, no character
        method = ("display ROI" if marked else "found display") + (
            ", LED" if polarity == "light_on_dark" else ""
        )
        return DigitsRead(
            text, read.value, read.confidences, boxes, display if marked else None, method
        )
    raise (OtherLayout if other_layout else UnreadableDisplay)("; ".join(errors))


def _read_boxes_with_engine(grey: np.ndarray, read: DigitReading, ocr: OcrConfig) -> DigitReading:
    """The digits the segment reader found, read again one by one by the chosen engine."""
    model = _digit_model(ocr, "lcd", lambda _: None)
    crops = [grey[y : y + h, x : x + w] for x, y, w, h in read.boxes]
    predictions = model.predict(crops)
    _check_read(predictions, ocr)
    text = "".join(p.digit for p in predictions)
    confidences = [round(float(p.confidence), 3) for p in predictions]
    return replace(read, text=text, value=int(text) / 10**ocr.decimals, confidences=confidences)


def _polarities(image: np.ndarray, polarity: Polarity) -> list[Polarity]:
    """The polarities to try, likeliest first: with ``auto``, a window that is mostly
    dark is a LED module's face and tried as one first (an LCD's glass is the brighter
    part of its window)."""
    if polarity != "auto":
        return [polarity]
    dark_face = byte_median(_grey(image)) < _DARK_FACE_LEVEL
    return ["light_on_dark", "dark_on_light"] if dark_face else ["dark_on_light", "light_on_dark"]


def _surround(grey: np.ndarray, pad_x: int, pad_y: int) -> np.ndarray:
    """The marked box with room around it, so the reader sees the window's edge: a box
    drawn round the bezel has its frame's tone carried outwards; a box drawn tight on the
    bright window gets a black frame."""
    h, w = grey.shape
    ring = max(2, min(h, w) // 25)
    edge = np.concatenate(
        [grey[:ring].ravel(), grey[-ring:].ravel(), grey[:, :ring].ravel(), grey[:, -ring:].ravel()]
    )
    inner = grey[h // 4 : h - h // 4, w // 4 : w - w // 4]
    surround = float(np.median(edge))
    framed = surround < 0.8 * float(np.median(inner))
    value = round(surround) if framed else 0
    return cv2.copyMakeBorder(grey, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=value)


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def _lit_as_dark(image: np.ndarray) -> np.ndarray:
    """A light-on-dark display as dark-on-light. LED segments glow in one strong colour
    while a reflection on the black face is white, so the dimmest channel is mostly taken
    off the brightest: segments stay, glare fades. An uncoloured image (white digits on
    black drums, a grey camera) is simply inverted."""
    if image.ndim == 2:
        lit = image.astype(np.float32)
    else:
        high = brightest(image).astype(np.float32)
        low = dimmest(image).astype(np.float32)
        colourful = float(np.percentile(high - low, 99.5)) >= 60
        lit = high - _GLARE_SUPPRESSION * low if colourful else high
    lit *= 1.0 / max(float(np.percentile(lit, 99.5)), 1.0)
    # Like an LCD's glass: a dark face becomes a backlight with headroom below white
    # (the LCD reader measures reflections against it), lit segments become dark ink.
    glass = _LED_AS_LCD[1] - (_LED_AS_LCD[1] - _LED_AS_LCD[0]) * lit
    return np.clip(glass, 0, 255).astype(np.uint8)
