"""A monocular depth network exported to ONNX: the ``onnx`` source."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import RoomtourError


class OnnxDepthModel:
    """A monocular depth network in ONNX (onnxruntime); owns pre- and post-processing."""

    def __init__(self, model: str | Path, input_size: tuple[int, int] | None = None, output: str = "inverse",
                 mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), near: float = 0.5, far: float = 10.0,
                 providers: list[str] | None = None):
        model = Path(model)
        if not model.is_file():
            raise RoomtourError(model, "ONNX depth model not found (set generate.options.depth.model)")
        if output not in ("inverse", "metric"):
            raise RoomtourError(model, f"output must be 'inverse' or 'metric', not {output!r}")
        try:
            import onnxruntime as ort
        except ImportError:
            raise RoomtourError(model, "onnxruntime is not installed (pip install onnxruntime)") from None
        available = ort.get_available_providers()
        providers = providers or [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        try:
            self.session = ort.InferenceSession(str(model), providers=providers)
        except Exception as exc:  # noqa: BLE001 - any loader failure is "not a usable model"
            raise RoomtourError(model, f"onnxruntime cannot load it ({exc.__class__.__name__})") from None
        inp = self.session.get_inputs()[0]
        if len(inp.shape) != 4:
            raise RoomtourError(model, f"expected one NCHW image input, got shape {inp.shape}")
        fixed = [d if isinstance(d, int) else None for d in inp.shape[2:]]
        self.input_name = inp.name
        self.size = tuple(input_size) if input_size else (fixed[1] or 384, fixed[0] or 384)  # (W, H)
        self.output, self.near, self.far = output, float(near), float(far)
        self.mean, self.std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self.path = model

    def preprocess(self, photo: np.ndarray) -> np.ndarray:
        """uint8 RGB (H, W, 3) -> float32 (1, 3, h, w), resized to the model size and normalised."""
        x = cv2.resize(photo, self.size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        x = (x - self.mean) / self.std
        return x.transpose(2, 0, 1)[None].astype(np.float32)

    def postprocess(self, raw: np.ndarray, width: int, height: int) -> np.ndarray:
        """Network output -> camera-space depth in ``[near, far]`` at ``width x height``."""
        pred = np.squeeze(np.asarray(raw, np.float32))
        if pred.ndim != 2:
            raise RoomtourError(self.path, f"expected a single-channel depth output, got shape {raw.shape}")
        pred = cv2.resize(pred, (width, height), interpolation=cv2.INTER_LINEAR)
        lo, hi = np.percentile(pred, [2, 98])
        t = np.clip((pred - lo) / max(hi - lo, 1e-6), 0, 1)
        if self.output == "inverse":
            # relative disparity: interpolate in 1/depth so near objects keep their separation
            inv = 1 / self.far + t * (1 / self.near - 1 / self.far)
            return (1.0 / inv).astype(np.float32)
        return (self.near + t * (self.far - self.near)).astype(np.float32)

    def __call__(self, photo: np.ndarray) -> np.ndarray:
        raw = self.session.run(None, {self.input_name: self.preprocess(photo)})[0]
        return self.postprocess(raw, photo.shape[1], photo.shape[0])
