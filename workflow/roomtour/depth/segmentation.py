"""Indoor semantic segmentation (DeepLabV3-MobileNetV2, ADE20K's 150 classes), for the room's surfaces.

The TensorFlow Lite model in ``weights_dir/ade20k_deeplabv3/`` runs with the
``ai-edge-litert`` package (Google's TensorFlow Lite runtime, CPU).  Input
float32 ``1 x 513 x 513 x 3``, RGB scaled to ``x / 127.5 - 1``; output the
151 class scores per pixel (0 "others", then ADE20K's classes: 1 wall,
4 floor, 6 ceiling, ...).  :class:`RoomSegmenter` letterboxes the photo into
the square (aspect kept, padding left out of the result) and returns one
class index per photo pixel; :func:`surface_masks` groups classes into the
room's surfaces: floor, walls (and what hangs flat on them) and ceiling.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from ..errors import RoomtourError

__all__ = ["RoomSegmenter", "surface_masks", "WEIGHTS", "FLOOR_CLASSES", "WALL_CLASSES", "CEILING_CLASSES"]

WEIGHTS = "ade20k_deeplabv3/lite-model_deeplabv3-mobilenetv2-ade20k_1_default_1.tflite"
SIDE = 513
# ADE20K class indices (labels.txt beside the model): surfaces of the room's box
FLOOR_CLASSES = (4, 29)  # floor, rug
WALL_CLASSES = (1, 9, 15, 23, 28)  # wall, windowpane, door, painting, mirror: flat on a wall
CEILING_CLASSES = (6,)


@lru_cache(maxsize=2)
def _interpreter(path: str, threads: int):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        raise RoomtourError("depth segmentation", "needs the ai-edge-litert package (pip install ai-edge-litert)") \
            from None
    try:
        interpreter = Interpreter(model_path=path, num_threads=threads)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise RoomtourError(path, f"not a TensorFlow Lite model ({exc.__class__.__name__})") from None
    shape = tuple(interpreter.get_input_details()[0]["shape"])
    if shape != (1, SIDE, SIDE, 3) or interpreter.get_output_details()[0]["shape"][-1] != 151:
        raise RoomtourError(path, f"not the ADE20K DeepLabV3 model (input {shape})")
    return interpreter


class RoomSegmenter:
    """ADE20K class per pixel of an RGB uint8 photo (see the module docstring)."""

    def __init__(self, weights: str = "", weights_dir: str = "", threads: int = 1):
        from ..models.weights import find_weights

        self.path = find_weights(weights_dir, WEIGHTS, weights)
        self.interpreter = _interpreter(str(self.path), int(threads))

    def __call__(self, photo: np.ndarray) -> np.ndarray:
        h, w = photo.shape[:2]
        s = SIDE / max(h, w)
        sw, sh = max(1, int(round(w * s))), max(1, int(round(h * s)))
        square = np.zeros((SIDE, SIDE, 3), np.float32)
        square[:sh, :sw] = cv2.resize(photo, (sw, sh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        square = square / 127.5 - 1.0
        it = self.interpreter
        it.set_tensor(it.get_input_details()[0]["index"], square[None])
        it.invoke()
        scores = it.get_tensor(it.get_output_details()[0]["index"])[0, :sh, :sw]
        classes = np.argmax(scores, axis=-1).astype(np.uint8)
        return cv2.resize(classes, (w, h), interpolation=cv2.INTER_NEAREST)


def surface_masks(classes: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks ``floor``, ``wall``, ``ceiling`` of a class map from :class:`RoomSegmenter`."""
    return {"floor": np.isin(classes, FLOOR_CLASSES), "wall": np.isin(classes, WALL_CLASSES),
            "ceiling": np.isin(classes, CEILING_CLASSES)}
