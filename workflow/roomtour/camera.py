"""Camera paths: RealEstate10K pose files, built-in presets, resampling.

Conventions (the RealEstate10K / CamI2V ones):

* Camera axes follow OpenCV: x right, y down, z forward.
* A pose is a 3x4 **world-to-camera** matrix ``[R | t]`` mapping a world point
  ``X`` to camera coordinates ``R @ X + t``.
* Intrinsics are stored **normalised**: ``fx/W, fy/H, cx/W, cy/H``.
* A pose file has one header line (a URL, often a placeholder) and then one
  line per frame: ``timestamp fx fy cx cy k1 k2 r11 r12 r13 t1 r21 ... t3``.

Paths inside roomtour are always *relative to their first frame* (frame 0 is
the identity pose), because an image-to-video model only sees the photo from
frame 0.  CamI2V's demo files store improper matrices (determinant -1) whose
reflection cancels in exactly this relative form, so files are made relative
before their rotations are validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import RoomtourError

__all__ = [
    "CameraPath",
    "PRESETS",
    "read_pose_file",
    "write_pose_file",
    "preset_path",
    "intrinsics_matrix",
    "TOUR_MOVES",
    "tour_move_path",
]


@dataclass(frozen=True)
class CameraPath:
    """A sequence of camera poses with normalised intrinsics.

    Attributes
    ----------
    intrinsics : (N, 4) float array
        ``fx/W, fy/H, cx/W, cy/H`` per frame.
    w2c : (N, 3, 4) float array
        World-to-camera matrices.
    timestamps : (N,) int array
        Microseconds, as in RealEstate10K files (informative only).
    """

    intrinsics: np.ndarray
    w2c: np.ndarray
    timestamps: np.ndarray

    def __post_init__(self):
        n = len(self.w2c)
        if self.w2c.shape != (n, 3, 4) or self.intrinsics.shape != (n, 4):
            raise ValueError("CameraPath needs (N,4) intrinsics and (N,3,4) poses")
        if n == 0:
            raise ValueError("CameraPath needs at least one pose")

    def __len__(self):
        return len(self.w2c)

    @property
    def rotations(self) -> np.ndarray:
        """(N, 3, 3) world-to-camera rotations."""
        return self.w2c[:, :, :3]

    @property
    def translations(self) -> np.ndarray:
        """(N, 3) world-to-camera translations."""
        return self.w2c[:, :, 3]

    @property
    def centers(self) -> np.ndarray:
        """(N, 3) camera centres in world coordinates, ``-R^T t``."""
        return -np.einsum("nji,nj->ni", self.rotations, self.translations)

    def relative_to_first(self) -> "CameraPath":
        """Express every pose relative to frame 0, so that frame 0 is the identity."""
        first = _to_4x4(self.w2c[0])
        c2w0 = np.linalg.inv(first)
        rel = np.stack([(_to_4x4(p) @ c2w0)[:3] for p in self.w2c])
        return CameraPath(self.intrinsics.copy(), rel, self.timestamps.copy())

    def scaled(self, translation_scale: float) -> "CameraPath":
        """Scale translations, e.g. to bring a file's arbitrary units to metres."""
        w2c = self.w2c.copy()
        w2c[:, :, 3] *= translation_scale
        return CameraPath(self.intrinsics.copy(), w2c, self.timestamps.copy())

    def with_intrinsics(self, fx: float, fy: float, cx: float = 0.5, cy: float = 0.5) -> "CameraPath":
        """Replace every frame's normalised intrinsics."""
        k = np.tile([fx, fy, cx, cy], (len(self), 1)).astype(np.float64)
        return CameraPath(k, self.w2c.copy(), self.timestamps.copy())

    def resampled(self, frames: int) -> "CameraPath":
        """Resample to ``frames`` poses evenly spaced in path time.

        Rotations are interpolated by spherical linear interpolation of the
        camera orientation, camera centres and intrinsics linearly.  The first
        and last poses are kept exactly.
        """
        if frames < 1:
            raise ValueError("frames must be >= 1")
        n = len(self)
        if n == frames:
            return self
        src_t = np.linspace(0.0, 1.0, n)
        dst_t = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(1)
        if n == 1:
            idx = np.zeros(frames, dtype=int)
            return CameraPath(self.intrinsics[idx], self.w2c[idx], self.timestamps[idx])
        from scipy.spatial.transform import Rotation, Slerp  # see _rotation

        c2w_rot = Rotation.from_matrix(np.transpose(self.rotations, (0, 2, 1)))
        rots = Slerp(src_t, c2w_rot)(dst_t).as_matrix()  # camera-to-world
        centers = np.stack([np.interp(dst_t, src_t, self.centers[:, i]) for i in range(3)], axis=1)
        intr = np.stack([np.interp(dst_t, src_t, self.intrinsics[:, i]) for i in range(4)], axis=1)
        r_w2c = np.transpose(rots, (0, 2, 1))
        t_w2c = -np.einsum("nij,nj->ni", r_w2c, centers)
        w2c = np.concatenate([r_w2c, t_w2c[:, :, None]], axis=2)
        ts = np.round(np.interp(dst_t, src_t, self.timestamps.astype(np.float64))).astype(np.int64)
        return CameraPath(intr, w2c, ts)

    def validate(self, where: str = "camera path", atol: float = 1e-3) -> "CameraPath":
        """Check finite values, positive focal lengths and proper rotations."""
        if not (np.all(np.isfinite(self.w2c)) and np.all(np.isfinite(self.intrinsics))):
            raise RoomtourError(where, "pose values are not all finite numbers")
        if np.any(self.intrinsics[:, :2] <= 0):
            raise RoomtourError(where, "focal lengths must be positive")
        for i, r in enumerate(self.rotations):
            if not np.allclose(r @ r.T, np.eye(3), atol=atol):
                raise RoomtourError(where, f"frame {i}: rotation part is not orthonormal")
            if np.linalg.det(r) < 0:
                raise RoomtourError(where, f"frame {i}: rotation part is a reflection (det < 0)")
        return self


def intrinsics_matrix(normalised: np.ndarray, width: int, height: int) -> np.ndarray:
    """3x3 pixel intrinsics from normalised ``fx/W, fy/H, cx/W, cy/H``.

    Pixel centres are at integer coordinates (OpenCV), so the principal point
    of a centred camera is ``(W/2 - 0.5, H/2 - 0.5)`` for ``cx = cy = 0.5``.
    """
    fx, fy, cx, cy = np.asarray(normalised, dtype=np.float64)
    return np.array(
        [[fx * width, 0.0, cx * width - 0.5], [0.0, fy * height, cy * height - 0.5], [0.0, 0.0, 1.0]]
    )


def fx_for_hfov(hfov_deg: float) -> float:
    """Normalised focal length ``fx/W`` for a horizontal field of view in degrees."""
    return 0.5 / np.tan(np.radians(hfov_deg) / 2.0)


def _to_4x4(p: np.ndarray) -> np.ndarray:
    out = np.eye(4)
    out[:3] = p
    return out


# --------------------------------------------------------------------------- files


def read_pose_file(path: str | Path) -> CameraPath:
    """Read a RealEstate10K-format pose file (absolute poses, as stored).

    Raises :class:`RoomtourError` naming the file and line on any malformed content.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise RoomtourError(path, "pose file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RoomtourError(path, f"cannot read pose file ({exc.__class__.__name__})") from None
    # (line number in the file, text): blank lines are skipped but still counted
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise RoomtourError(path, "pose file is empty")
    start = 0 if _is_pose_line(lines[0][1]) else 1  # the header is a URL or any non-numeric line
    intr, poses, stamps = [], [], []
    for lineno, line in lines[start:]:
        fields = line.split()
        if len(fields) != 19:
            raise RoomtourError(
                path, f"line {lineno}: expected 19 numbers (timestamp, 6 intrinsics, 12 pose values), got {len(fields)}"
            )
        try:
            values = [float(v) for v in fields]
        except ValueError:
            raise RoomtourError(path, f"line {lineno}: not a number in {line.strip()[:60]!r}") from None
        if not all(np.isfinite(values[1:19])):
            raise RoomtourError(path, f"line {lineno}: pose values are not all finite numbers")
        stamps.append(int(values[0]))
        intr.append(values[1:5])
        poses.append(np.array(values[7:19]).reshape(3, 4))
    if not poses:
        raise RoomtourError(path, "no pose lines after the header")
    return CameraPath(np.array(intr), np.stack(poses), np.array(stamps, dtype=np.int64))


def _is_pose_line(line: str) -> bool:
    fields = line.split()
    if len(fields) != 19:
        return False
    try:
        [float(v) for v in fields]
    except ValueError:
        return False
    return True


def write_pose_file(path: str | Path, camera: CameraPath, header: str = "roomtour") -> None:
    """Write a RealEstate10K-format pose file (distortion terms written as 0)."""
    rows = [header]
    for ts, k, p in zip(camera.timestamps, camera.intrinsics, camera.w2c):
        vals = [f"{int(ts)}"] + [f"{v:.9f}" for v in k] + ["0.000000000", "0.000000000"]
        vals += [f"{v:.9f}" for v in p.reshape(-1)]
        rows.append(" ".join(vals))
    from .video import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(rows) + "\n")


# --------------------------------------------------------------------------- presets


def _look_at_from(center: np.ndarray, c2w_rot: np.ndarray) -> np.ndarray:
    r = c2w_rot.T
    return np.concatenate([r, (-r @ center)[:, None]], axis=1)


def _translate(direction):
    direction = np.asarray(direction, dtype=np.float64)

    def pose(s, distance=0.5):
        return _look_at_from(direction * distance * s, np.eye(3))

    return pose


def _rotation():
    """scipy's Rotation, imported on first use: scipy.spatial takes about 0.35 s to import, and
    the workflow imports this module each time it is parsed (twice per cluster job)."""
    from scipy.spatial.transform import Rotation

    return Rotation


def _rotate(axis, sign):
    def pose(s, angle_deg=30.0):
        rot = _rotation().from_rotvec(np.asarray(axis, float) * sign * np.radians(angle_deg) * s).as_matrix()
        return _look_at_from(np.zeros(3), rot)

    return pose


def _orbit(vertical: bool, sign: float):
    def pose(s, angle_deg=20.0, radius=2.0):
        th = sign * np.radians(angle_deg) * s
        target = np.array([0.0, 0.0, radius])
        if vertical:
            # move up (-y) on a circle about the x axis through the target, keep looking at it
            center = target + radius * np.array([0.0, -np.sin(th), -np.cos(th)])
        else:
            center = target + radius * np.array([np.sin(th), 0.0, -np.cos(th)])
        forward = (target - center) / np.linalg.norm(target - center)
        right = np.array([1.0, 0.0, 0.0]) if vertical else np.cross([0.0, 1.0, 0.0], forward)
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        return _look_at_from(center, np.stack([right, down, forward], axis=1))

    return pose


# name -> pose(s, **params) with s in [0, 1] the path time; all relative to frame 0.
PRESETS = {
    "stationary": lambda s: _look_at_from(np.zeros(3), np.eye(3)),
    "pan_left": _translate([-1.0, 0.0, 0.0]),
    "pan_right": _translate([1.0, 0.0, 0.0]),
    "pan_up": _translate([0.0, -1.0, 0.0]),
    "pan_down": _translate([0.0, 1.0, 0.0]),
    "zoom_in": _translate([0.0, 0.0, 1.0]),
    "zoom_out": _translate([0.0, 0.0, -1.0]),
    # turning left is a rotation about the camera's y (down) axis with negative angle
    "look_left": _rotate([0.0, 1.0, 0.0], -1.0),
    "look_right": _rotate([0.0, 1.0, 0.0], 1.0),
    "look_up": _rotate([1.0, 0.0, 0.0], 1.0),
    "look_down": _rotate([1.0, 0.0, 0.0], -1.0),
    "orbit_up": _orbit(True, 1.0),
    "orbit_down": _orbit(True, -1.0),
    # orbiting left moves the camera centre towards -x while it keeps facing the target
    "orbit_left": _orbit(False, -1.0),
    "orbit_right": _orbit(False, 1.0),
}


def preset_path(name: str, frames: int, hfov_deg: float = 60.0, aspect: float = 1.0, **params) -> CameraPath:
    """Build a preset path of ``frames`` poses relative to frame 0.

    ``aspect`` is width / height; the normalised focal lengths give square pixels.
    Translations are in scene units (metres for the procedural scenes).
    """
    if name not in PRESETS:
        raise RoomtourError(f"motion preset {name!r}", f"unknown preset; choose from {', '.join(sorted(PRESETS))}")
    s = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(1)
    try:
        w2c = np.stack([PRESETS[name](si, **params) for si in s])
    except TypeError as exc:
        raise RoomtourError(f"motion preset {name!r}", f"bad parameters {params}: {exc}") from None
    fx = fx_for_hfov(hfov_deg)
    intr = np.tile([fx, fx * aspect, 0.5, 0.5], (frames, 1))
    stamps = np.round(s * 1e6 * (frames - 1) / 8.0).astype(np.int64)
    return CameraPath(intr, w2c, stamps)


def build_path(spec: dict, frames: int, hfov_deg: float, aspect: float) -> CameraPath:
    """Build the relative, resampled path for one motion spec from the config.

    ``spec`` has either ``preset`` (+ ``params``) or ``file`` (+ optional
    ``translation_scale`` and ``intrinsics``: ``"file"`` to keep the file's
    intrinsics, ``"config"`` (default) to use ``hfov_deg`` with square pixels).
    """
    if "preset" in spec:
        return preset_path(spec["preset"], frames, hfov_deg, aspect, **spec.get("params", {}))
    where = spec["file"]
    cam = read_pose_file(where).relative_to_first().validate(where)
    cam = cam.scaled(float(spec.get("translation_scale", 1.0)))
    if spec.get("intrinsics", "config") == "config":
        fx = fx_for_hfov(hfov_deg)
        cam = cam.with_intrinsics(fx, fx * aspect)
    return cam.resampled(frames)


# --------------------------------------------------------------------------- tour moves

# A tour's moves, in the box room's units (the camera 1.2 above the floor): name -> (camera centre at the
# end, yaw at the end in degrees).  Each is eased in and out, so shots start and end at rest.
TOUR_MOVES = {
    "dolly_in": (np.array([0.0, 0.0, 0.8]), 0.0),
    "push_in": (np.array([0.0, 0.0, 0.4]), 0.0),
    # sideways, turning a little back towards the room's centre
    "truck_left": (np.array([-0.45, 0.0, 0.1]), 2.0),
    "truck_right": (np.array([0.45, 0.0, 0.1]), -2.0),
    "still": (np.zeros(3), 0.0),
}


def ease(s: np.ndarray) -> np.ndarray:
    """Ease in and out: zero speed at both ends (no jolt where shots meet)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(s, 0, 1))


def tour_move_path(move: str, frames: int, intrinsics, sweep_deg: float = 0.0, reach: float = 1.0) -> CameraPath:
    """A tour move (:data:`TOUR_MOVES`) as a path of ``frames`` poses with the normalised
    ``intrinsics`` ``fx/W, fy/H, cx/W, cy/H`` of the output window; ``reach`` scales the move's
    travel and turn (not the sweep).

    ``sweep_deg`` adds a turn across the photo (portrait and square windows travel over a
    wider photo): the path starts turned by ``-sweep_deg / 2`` and ends at ``+sweep_deg / 2``,
    so frame 0 is not the photo's own camera then.
    """
    if move not in TOUR_MOVES:
        raise RoomtourError(f"move {move!r}", f"choose one of {', '.join(TOUR_MOVES)}")
    centre_end, yaw_end = TOUR_MOVES[move]
    centre_end, yaw_end = centre_end * reach, yaw_end * reach
    s = ease(np.linspace(0, 1, frames)) if frames > 1 else np.zeros(1)
    w2c = []
    for si in s:
        yaw = yaw_end * si + sweep_deg * (si - 0.5) if sweep_deg else yaw_end * si
        c2w = _rotation().from_euler("y", np.radians(yaw)).as_matrix()
        w2c.append(_look_at_from(centre_end * si, c2w))
    intr = np.tile(np.asarray(intrinsics, np.float64), (frames, 1))
    return CameraPath(intr, np.stack(w2c), np.arange(frames))
