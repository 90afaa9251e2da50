"""Procedural interior scenes rendered by ray casting, with exact depth.

These are roomtour's embedded default inputs: no download, deterministic, and
the exact frame along *any* camera path is known, so generated videos can be
scored against ground truth.

A scene is a box room (floor with wooden planks, papered walls, a window and a
picture, a rug) with axis-aligned furniture standing on the floor (a sofa, a
cabinet, tables on four legs, a chest, storage boxes, a floor lamp), so the
exact depth has object edges in front of the walls for depth estimates and
hole filling to be measured against.  World axes follow
the camera convention of :mod:`roomtour.camera` (x right, y down, z forward),
and frame 0 of every path is the scene's ``start`` camera, so relative paths
apply directly.  Units are metres.  Each pixel is supersampled on an
``aa x aa`` grid and box-averaged (anti-aliasing), so a frame rendered at
``2W x 2H`` and area-downscaled by 2 equals one rendered at ``W x H`` with
twice the ``aa``: the low-resolution "photo" is an exact area downscale of
the high-resolution reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .camera import CameraPath, intrinsics_matrix
from .errors import RoomtourError

__all__ = ["Scene", "SCENES", "get_scene", "render_frame", "render_path"]


@dataclass(frozen=True)
class Box:
    lo: tuple
    hi: tuple
    color: tuple
    pattern: str = "plain"  # plain | fabric | wood | panels


@dataclass(frozen=True)
class Scene:
    name: str
    room_lo: tuple = (-3.0, -1.5, -1.5)  # x, y (ceiling), z (behind the camera)
    room_hi: tuple = (3.0, 1.2, 6.0)  # x, y (floor), z (back wall); the camera is at the origin
    wall_color: tuple = (0.78, 0.74, 0.66)
    floor_color: tuple = (0.55, 0.36, 0.20)
    rug_color: tuple = (0.60, 0.15, 0.18)
    boxes: tuple = field(default_factory=tuple)
    light_dir: tuple = (0.35, 0.8, -0.45)  # direction light travels (from the window, downwards)
    seed: int = 0


def _legs(x0, x1, z0, z1, top, color, size=0.05, floor=1.2):
    """Four legs of a table whose top spans ``x0..x1`` by ``z0..z1``, from ``top`` down to the floor."""
    return tuple(
        Box((x, top, z), (x + size, floor, z + size), color, "plain")
        for x in (x0 + 0.03, x1 - 0.03 - size)
        for z in (z0 + 0.03, z1 - 0.03 - size)
    )


SCENES = {
    "living": Scene(
        name="living",
        boxes=(
            Box((-2.9, 0.75, 4.3), (-0.7, 1.2, 5.3), (0.25, 0.35, 0.55), "fabric"),  # sofa
            Box((-2.9, 0.25, 5.1), (-0.7, 0.75, 5.4), (0.22, 0.31, 0.50), "fabric"),  # sofa back
            Box((-0.2, 0.75, 2.6), (0.9, 0.81, 3.4), (0.45, 0.28, 0.14), "wood"),  # coffee table top
            *_legs(-0.2, 0.9, 2.6, 3.4, 0.81, (0.30, 0.18, 0.09)),  # and its four legs
            Box((2.1, -0.7, 4.4), (2.95, 1.2, 5.95), (0.85, 0.85, 0.82), "panels"),  # cabinet
            Box((0.35, 0.6, 2.3), (0.95, 1.2, 2.8), (0.42, 0.52, 0.62), "plain"),  # storage box
            Box((1.48, -0.25, 4.55), (1.53, 1.2, 4.6), (0.20, 0.20, 0.20), "plain"),  # floor lamp pole
            Box((1.3, -0.55, 4.4), (1.72, -0.25, 4.75), (0.96, 0.92, 0.78), "plain"),  # and shade
        ),
        seed=1,
    ),
    "bedroom": Scene(
        name="bedroom",
        wall_color=(0.66, 0.74, 0.78),
        floor_color=(0.62, 0.46, 0.30),
        rug_color=(0.20, 0.40, 0.30),
        boxes=(
            Box((-1.0, 0.65, 4.0), (1.2, 1.2, 5.9), (0.92, 0.90, 0.86), "fabric"),  # bed
            Box((-1.0, 0.0, 5.7), (1.2, 0.65, 5.95), (0.40, 0.25, 0.15), "wood"),  # headboard
            Box((1.6, 0.6, 5.3), (2.2, 1.2, 5.9), (0.40, 0.25, 0.15), "panels"),  # night stand
            Box((-2.95, -1.0, 2.2), (-2.3, 1.2, 3.7), (0.75, 0.72, 0.68), "panels"),  # wardrobe
            Box((-0.7, 0.8, 3.2), (0.9, 1.2, 3.65), (0.50, 0.33, 0.20), "wood"),  # chest at the foot of the bed
            Box((1.3, 0.55, 2.5), (1.9, 0.6, 3.0), (0.55, 0.40, 0.25), "wood"),  # side table top
            *_legs(1.3, 1.9, 2.5, 3.0, 0.6, (0.35, 0.24, 0.14)),  # and its four legs
            Box((-1.9, 0.75, 3.9), (-1.45, 1.2, 4.35), (0.30, 0.50, 0.30), "plain"),  # plant box
        ),
        light_dir=(-0.3, 0.8, -0.5),
        seed=2,
    ),
}


def get_scene(name: str) -> Scene:
    """Look up a built-in scene by name, with a clear error for unknown names."""
    if name not in SCENES:
        raise RoomtourError(f"scene {name!r}", f"unknown procedural scene; choose from {', '.join(SCENES)}")
    return SCENES[name]


# --------------------------------------------------------------------------- textures


def _hash2(i, j, seed):
    # cheap deterministic lattice hash in [0, 1)
    v = np.sin(i * 127.1 + j * 311.7 + seed * 74.7) * 43758.5453
    return v - np.floor(v)


def _value_noise(u, v, seed):
    i, j = np.floor(u), np.floor(v)
    fu, fv = u - i, v - j
    fu, fv = fu * fu * (3 - 2 * fu), fv * fv * (3 - 2 * fv)
    a, b = _hash2(i, j, seed), _hash2(i + 1, j, seed)
    c, d = _hash2(i, j + 1, seed), _hash2(i + 1, j + 1, seed)
    return (a * (1 - fu) + b * fu) * (1 - fv) + (c * (1 - fu) + d * fu) * fv


def _fbm(u, v, seed, octaves=3):
    out, amp, tot = 0.0, 1.0, 0.0
    for o in range(octaves):
        out = out + amp * _value_noise(u * 2**o, v * 2**o, seed + o)
        tot += amp
        amp *= 0.5
    return out / tot


def _floor_texture(x, z, sc):
    plank_w = 0.16
    px = np.floor(x / plank_w)
    offset = _hash2(px, 0.0, sc.seed) * 1.3
    pz = np.floor((z + offset) / 1.3)
    tint = 0.8 + 0.4 * _hash2(px, pz, sc.seed + 3)
    grain = 0.85 + 0.15 * _fbm(x * 30.0, z * 3.0, sc.seed + 5)
    seam = ((x / plank_w - px) < 0.06) | (((z + offset) / 1.3 - pz) < 0.01)
    shade = tint * grain * np.where(seam, 0.55, 1.0)
    col = np.asarray(sc.floor_color)[None] * shade[:, None]
    # rug: striped rectangle on the floor
    rug = (np.abs(x + 0.2) < 1.3) & (z > 1.4) & (z < 3.6)
    stripes = 0.75 + 0.25 * (np.floor(z * 6.0) % 2)
    border = (np.abs(x + 0.2) > 1.15) | (z < 1.55) | (z > 3.45)
    rug_col = np.asarray(sc.rug_color)[None] * (stripes * np.where(border, 1.5, 1.0))[:, None]
    return np.where(rug[:, None], np.clip(rug_col, 0, 1), col)


def _wall_texture(u, v, sc, seed):
    # u horizontal along the wall, v = y (down)
    stripes = 0.94 + 0.06 * np.cos(u * 2 * np.pi / 0.25)
    speck = 0.92 + 0.08 * _fbm(u * 9.0, v * 9.0, seed)
    col = np.asarray(sc.wall_color)[None] * (stripes * speck)[:, None]
    skirting = v > sc.room_hi[1] - 0.12
    return np.where(skirting[:, None], np.array([0.93, 0.93, 0.90])[None], col)


def _window(x, y, col):
    inside = (np.abs(x) < 1.1) & (y > -0.95) & (y < 0.35)
    # sky gradient with soft clouds, a cross-shaped white frame
    sky = np.stack([0.55 + 0.25 * (y + 0.95), 0.75 + 0.15 * (y + 0.95), np.full_like(y, 0.97)], axis=1)
    clouds = _fbm(x * 2.5, y * 5.0, 11)[:, None] > 0.62
    sky = np.where(clouds, np.array([0.97, 0.97, 0.97])[None], sky)
    frame = (np.abs(x) > 1.02) | (y < -0.88) | (y > 0.28) | (np.abs(x) < 0.04) | (np.abs(y + 0.3) < 0.04)
    win = np.where(frame[:, None], np.array([0.96, 0.96, 0.94])[None], sky)
    return np.where(inside[:, None], win, col), inside


def _painting(u, v, col, u0, v0, w, h, seed):
    inside = (u > u0) & (u < u0 + w) & (v > v0) & (v < v0 + h)
    a = (u - u0) / w
    b = (v - v0) / h
    art = np.stack(
        [
            0.5 + 0.45 * np.sin(6.0 * a + 2.0 * _fbm(a * 4, b * 4, seed)),
            0.5 + 0.45 * np.sin(5.0 * b + 1.0),
            0.5 + 0.45 * np.cos(4.0 * (a + b)),
        ],
        axis=1,
    )
    edge = (a < 0.06) | (a > 0.94) | (b < 0.06) | (b > 0.94)
    art = np.where(edge[:, None], np.array([0.15, 0.12, 0.10])[None], art)
    return np.where(inside[:, None], art, col)


def _box_texture(box, hit, axis):
    base = np.asarray(box.color)[None]
    lo = np.asarray(box.lo)
    local = hit - lo[None]
    u = np.where(axis == 0, local[:, 2], local[:, 0])
    v = np.where(axis == 1, local[:, 2], local[:, 1])
    if box.pattern == "fabric":
        f = 0.85 + 0.15 * ((np.floor(u * 25) + np.floor(v * 25)) % 2) * 0.5 + 0.1 * _fbm(u * 40, v * 40, 7)
    elif box.pattern == "wood":
        f = 0.8 + 0.2 * np.sin(u * 60.0 + 6.0 * _fbm(u * 3, v * 3, 9))
    elif box.pattern == "panels":
        f = np.where(((u % 0.45) < 0.02) | ((v % 0.6) < 0.02), 0.6, 1.0)
    else:
        f = np.ones_like(u)
    return base * f[:, None]


# --------------------------------------------------------------------------- ray casting


def _cast(sc: Scene, origin: np.ndarray, dirs: np.ndarray):
    """Colour (N,3) in [0,1], depth along the ray (N,), and normal (N,3) for world rays."""
    lo, hi = np.asarray(sc.room_lo), np.asarray(sc.room_hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dirs
        planes = np.where(dirs > 0, hi[None], lo[None])
        t_room = (planes - origin[None]) * inv
    t_room = np.where(np.isfinite(t_room) & (t_room > 0), t_room, np.inf)
    axis = np.argmin(t_room, axis=1)
    t = t_room[np.arange(len(dirs)), axis]
    obj = np.full(len(dirs), -1)
    box_axis = np.zeros(len(dirs), dtype=int)
    # slab test per box, one axis column at a time: reductions over a length-3
    # axis are several times slower in numpy than element-wise max/min of columns
    inv_cols = [np.ascontiguousarray(inv[:, a]) for a in range(3)]
    for k, box in enumerate(sc.boxes):
        tnear = np.full(len(dirs), -np.inf, dtype=t.dtype)
        tfar = np.full(len(dirs), np.inf, dtype=t.dtype)
        near_axis = np.zeros(len(dirs), dtype=int)
        for a in range(3):
            to_lo, to_hi = np.float64(box.lo[a]) - origin[a], np.float64(box.hi[a]) - origin[a]
            with np.errstate(divide="ignore", invalid="ignore"):
                t1, t2 = to_lo * inv_cols[a], to_hi * inv_cols[a]
            lo_a, hi_a = np.minimum(t1, t2), np.maximum(t1, t2)
            if to_lo == 0 or to_hi == 0:
                # a ray parallel to a slab's planes and on one of them gives nan (0 x inf): no
                # constraint; only possible when the camera centre lies on that plane
                parallel = np.isnan(t1) | np.isnan(t2)
                lo_a, hi_a = np.where(parallel, -np.inf, lo_a), np.where(parallel, np.inf, hi_a)
            later = lo_a > tnear  # argmax keeps the first axis on ties
            near_axis = np.where(later, a, near_axis)
            tnear = np.where(later, lo_a, tnear)
            tfar = np.minimum(tfar, hi_a)
        hit = (tfar >= tnear) & (tnear > 1e-6) & (tnear < t)
        t = np.where(hit, tnear, t)
        obj = np.where(hit, k, obj)
        box_axis = np.where(hit, near_axis, box_axis)
    p = origin[None] + dirs * t[:, None]
    col = np.zeros_like(p)
    normal = np.zeros_like(p)
    # room surfaces
    room = obj < 0
    ax = axis
    side = dirs[np.arange(len(dirs)), ax] > 0  # the far plane of that axis
    floor = room & (ax == 1) & side
    ceil = room & (ax == 1) & ~side
    if floor.any():
        col[floor] = _floor_texture(p[floor, 0], p[floor, 2], sc)
    if ceil.any():
        col[ceil] = np.array([0.92, 0.91, 0.88]) * (0.95 + 0.05 * _fbm(p[ceil, 0] * 2, p[ceil, 2] * 2, 3))[:, None]
    walls_x = room & (ax == 0)
    if walls_x.any():
        c = _wall_texture(p[walls_x, 2], p[walls_x, 1], sc, sc.seed + 20)
        left = ~side[walls_x]
        c_left = _painting(p[walls_x, 2], p[walls_x, 1], c, 2.2, -0.7, 1.4, 0.9, sc.seed)
        col[walls_x] = np.where(left[:, None], c_left, c)
    walls_z = room & (ax == 2)
    if walls_z.any():
        c = _wall_texture(p[walls_z, 0], p[walls_z, 1], sc, sc.seed + 30)
        back = side[walls_z]
        c_back, _ = _window(p[walls_z, 0], p[walls_z, 1], c)
        col[walls_z] = np.where(back[:, None], c_back, c)
    normal[room, ax[room]] = np.where(side[room], -1.0, 1.0)
    for k, box in enumerate(sc.boxes):
        m = obj == k
        if m.any():
            col[m] = _box_texture(box, p[m], box_axis[m])
            a = box_axis[m]
            normal[m, a] = -np.sign(dirs[m, a])
    light = np.asarray(sc.light_dir, dtype=np.float64)
    light /= np.linalg.norm(light)
    lambert = np.clip(-(normal @ light), 0.0, 1.0)
    shade = 0.62 + 0.38 * lambert
    window_glow = np.where(room & (ax == 2) & side, 1.0, shade)  # the window view is not shaded
    col = col * window_glow[:, None]
    return np.clip(col, 0.0, 1.0), t


def render_frame(
    scene: Scene, w2c: np.ndarray, intrinsics: np.ndarray, width: int, height: int, aa: int = 2, depth: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Render one view.

    Parameters
    ----------
    w2c : (3, 4) world-to-camera pose (relative to the scene's start camera).
    intrinsics : (4,) normalised ``fx/W, fy/H, cx/W, cy/H``.
    aa : supersampling factor per axis (box filter).

    Returns
    -------
    rgb : (H, W, 3) uint8 image.
    depth : (H, W) float32 camera-space z (metres) of the surface seen at each
        pixel centre (not anti-aliased), or None unless ``depth=True``.
    """
    k = intrinsics_matrix(intrinsics, width, height)
    r, t = w2c[:, :3], w2c[:, 3]
    center = -r.T @ t
    # sub-pixel sample offsets of an aa x aa grid inside each pixel
    offs = (np.arange(aa) + 0.5) / aa - 0.5
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    sx = (xs[:, :, None, None] + offs[None, None, None, :]).repeat(aa, axis=2)
    sy = (ys[:, :, None, None] + offs[None, None, :, None]).repeat(aa, axis=3)
    pix = np.stack([sx.ravel(), sy.ravel(), np.ones(sx.size)], axis=1)
    rays_cam = pix @ np.linalg.inv(k).T
    dirs = (rays_cam @ r).astype(np.float32)  # camera -> world: R^T d, written as d @ R
    col, _ = _cast(scene, center.astype(np.float32), dirs)
    rgb = col.reshape(height, width, aa * aa, 3).mean(axis=2)
    if not depth:
        return (rgb * 255.0 + 0.5).astype(np.uint8), None
    # exact depth at pixel centres; the ray's camera-space z is 1, so the ray
    # parameter t is the depth itself
    pix_c = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)], axis=1).astype(np.float64)
    rays_c = pix_c @ np.linalg.inv(k).T
    _, t_c = _cast(scene, center, rays_c @ r)
    return (rgb * 255.0 + 0.5).astype(np.uint8), t_c.reshape(height, width).astype(np.float32)


def render_path(scene: Scene, camera: CameraPath, width: int, height: int, aa: int = 2) -> np.ndarray:
    """Render every pose of a (relative) camera path: ``(T, H, W, 3)`` uint8."""
    return np.stack([render_frame(scene, p, k, width, height, aa)[0] for p, k in zip(camera.w2c, camera.intrinsics)])


def room_surface_labels(scene: Scene, w2c: np.ndarray, intrinsics: np.ndarray, width: int, height: int) -> np.ndarray:
    """Which of the room's surfaces each pixel's ray meets first, furniture ignored: the true layout
    (indices into :data:`roomtour.layout.SURFACES`: floor, ceiling, left, right, back; the wall behind
    the start camera counts as back), uint8 ``(H, W)``."""
    k = intrinsics_matrix(intrinsics, width, height)
    r, t = w2c[:, :3], w2c[:, 3]
    center = -r.T @ t
    ys, xs = np.mgrid[0:height, 0:width]
    rays = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)], 1) @ np.linalg.inv(k).T @ r
    lo, hi = np.asarray(scene.room_lo, float), np.asarray(scene.room_hi, float)
    hits = []
    # floor (y = hi), ceiling (y = lo), left (x = lo), right (x = hi), back (z = hi), front (z = lo)
    for axis, bound in ((1, hi), (1, lo), (0, lo), (0, hi), (2, hi), (2, lo)):
        with np.errstate(divide="ignore", invalid="ignore"):
            tt = (bound[axis] - center[axis]) / rays[:, axis]
        hits.append(np.where(tt > 1e-9, tt, np.inf))
    label = np.argmin(np.stack(hits), axis=0)
    label[label == 5] = 4
    return label.reshape(height, width).astype(np.uint8)
