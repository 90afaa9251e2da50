"""A caption for a photo: the room it shows, from the indoor segmentation model where it can
tell, else from the file name; never a camera's name (``IMG 2041``) or "Image"."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

__all__ = ["ROOM_CUES", "room_from_classes", "suggest_caption"]

log = logging.getLogger(__name__)

# ADE20K classes (labels.txt beside the model) that say which room a photo shows, and the
# share of the photo each must cover to count: an object's size is what makes it the room's
ROOM_CUES = {
    "Bathroom": {66: 0.004, 38: 0.01, 146: 0.01},  # toilet, bathtub, shower
    "Kitchen": {72: 0.005, 119: 0.005, 51: 0.01, 130: 0.005, 74: 0.02, 71: 0.03},  # stove, oven, fridge,
    # dishwasher, kitchen island, countertop
    "Bedroom": {8: 0.04},  # bed
    "Living room": {24: 0.03, 31: 0.03, 50: 0.01},  # sofa, armchair, fireplace
    "Dining room": {16: 0.05},  # table (with chairs, below)
}
_CHAIR = 20


def room_from_classes(classes: np.ndarray) -> str:
    """The room a class map (:class:`roomtour.depth.segmentation.RoomSegmenter`) shows, or ""."""
    share = np.bincount(np.asarray(classes, np.int64).ravel(), minlength=151) / max(1, classes.size)
    scores = {}
    for room, cues in ROOM_CUES.items():
        score = max(share[c] / need for c, need in cues.items())
        if room == "Dining room" and share[_CHAIR] < 0.01:
            score = 0.0  # a table alone is a desk or a side table
        scores[room] = score
    room, best = max(scores.items(), key=lambda kv: kv[1])
    return room if best >= 1.0 else ""


def suggest_caption(photo: np.ndarray | None, file_name: str, weights_dir: str = "") -> str:
    """The segmentation's room where it tells one, else the file name's words (``03_kitchen.jpg``
    -> ``Kitchen``), else ""."""
    from ..errors import RoomtourError
    from ..tour.plan import caption_from_name

    if photo is not None:
        try:
            from ..depth.segmentation import RoomSegmenter

            room = room_from_classes(RoomSegmenter(weights_dir=weights_dir)(photo))
            if room:
                return room
        except RoomtourError as exc:  # no model here: the name still helps
            log.info("caption from the file name only: %s", exc)
    return caption_from_name(Path(file_name))
