"""Camera accuracy: does a video follow its camera path?  (RotErr, TransErr, CamMC, as CamI2V reports.)

Camera-controlled image-to-video work (CameraCtrl, CamI2V) estimates each
generated video's camera from its frames and compares it with the path the
model was asked to follow.  Two estimators (``estimator``; the study's default
is ``"two-view"``, set in the config schema):

``"sfm"``, as CamI2V's evaluation does: COLMAP's incremental
structure from motion (pycolmap, on the CPU): SIFT on every frame, every pair
matched (neighbouring frames of a slow camera are too close to start a model
from), mapping with the known intrinsics held fixed.  Poses are made relative
to frame 0 and translations divided by the trajectory's largest norm, as the
reference's are, so scale-free paths compare.  SfM needs parallax: a camera
that only turns, a frozen or a flat video gives no model (or one with fewer
than half the frames), and then the two-view estimator below scores the video
instead (the ``estimator`` column says which did).  Each SfM pose is checked
against its frame pair's own matches (:func:`explained_matches`): one that
explains fewer than half of what the pair's essential matrix explains is
dropped.  On the real frames of RealEstate10K clips SfM beats two-view on four
of six clips and misjudges the other two (rotations of 20 degrees estimated as
5, poses the check cannot reject: a turn traded for a sideways move fits the
pairs' matches too; BENCHMARKS.md), which is why it is not the default.

``"two-view"``, per frame ``t`` against frame 0:

1. SIFT features of frame 0 and frame ``t``, mutual ratio-test matches, the
   essential matrix with the known intrinsics (RANSAC), and the relative
   rotation and translation *direction* (``cv2.recoverPose``), or a pure
   rotation (no translation) where a homography that is a rotation explains
   the matches as well (a turning camera, or a frozen video).  Two views fix
   no scale, so translations are compared as directions; a frame whose
   camera barely moved (reference translation below ``min_baseline`` of the
   path's largest) contributes its rotation only.
2. Errors, summed over frames as CamI2V does: ``RotErr`` the geodesic angle
   between estimated and reference rotation (radians), ``TransErr`` the L2
   distance between translations normalised by the trajectory's largest norm
   (the reference's norms carry the estimated directions, so only direction
   errors count), ``CamMC`` the L2 norm of the difference of the 3x4 ``[R|t]``
   matrices in the same units.
3. A frame with too few inliers (``min_inliers``) cannot be estimated: it is
   counted in ``unestimated``, never scored as zero; a video with no frame
   estimated has NaN errors.

``trials`` estimates are averaged.  SfM's are random (COLMAP's RANSAC, one seed each).
OpenCV's essential-matrix RANSAC is not (the same matches give the same pose whatever
the seed), so each two-view trial after the first re-estimates from the frames with a
seeded dither of -1, 0 or +1 grey level per pixel (:func:`dithered`): a change no viewer
sees, which moves the estimate wherever it is ill-conditioned (short baselines,
near-planar rooms, few matches).  Their mean is the error to expect under such changes,
not one draw (BENCHMARKS.md gives how far single draws lie apart).  :func:`camera_errors`
returns a :class:`CameraErrors`; poses are the 3x4 world-to-camera matrices
of :mod:`roomtour.camera`, made relative to frame 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

__all__ = ["CameraErrors", "ESTIMATORS", "relative_poses", "sfm_poses", "explained_matches", "dithered", "camera_errors"]

ESTIMATORS = ("sfm", "two-view")
FAR_POINT_BASELINES = 1e4  # recoverPose's distance cut-off, in baselines: in effect none


@dataclass
class CameraErrors:
    """Summed errors over the estimated frames (NaN when none), and how many frames could not be estimated."""

    rot_err: float
    trans_err: float
    cam_mc: float
    estimated: int
    unestimated: int
    estimator: str = "two-view"

    def as_dict(self, prefix: str = "") -> dict:
        return {prefix + k: v for k, v in asdict(self).items()}


def _features(gray: np.ndarray):
    return cv2.SIFT_create(nfeatures=2000).detectAndCompute(gray, None)


def _matches(des0, des1, ratio: float = 0.75):
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    fwd = [m for m, n in (p for p in matcher.knnMatch(des0, des1, k=2) if len(p) == 2) if m.distance < ratio * n.distance]
    back = {m.queryIdx: m.trainIdx for m, n in (p for p in matcher.knnMatch(des1, des0, k=2) if len(p) == 2)
            if m.distance < ratio * n.distance}
    return [m for m in fwd if back.get(m.trainIdx) == m.queryIdx]


def frame_matches(frames: np.ndarray, min_matches: int = 15):
    """Matched pixels ``(a, b)`` between frame 0 and every later frame (None where too few): SIFT once
    per frame, mutual ratio-test matches.  The random part (RANSAC) comes after, per seed."""
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) if f.ndim == 3 else f for f in frames]
    kp0, des0 = _features(grey[0])
    out = []
    for g in grey[1:]:
        kp, des = _features(g)
        if des0 is None or des is None or len(kp0) < 8 or len(kp) < 8:
            out.append(None)
            continue
        good = _matches(des0, des)
        if len(good) < min_matches:
            out.append(None)
            continue
        out.append((np.array([kp0[m.queryIdx].pt for m in good], np.float64),
                    np.array([kp[m.trainIdx].pt for m in good], np.float64)))
    return out


def dithered(frames: np.ndarray, seed: int) -> np.ndarray:
    """``frames`` (uint8) with a seeded dither of -1, 0 or +1 grey level per pixel and channel
    (clipped to 0-255): the same video to a viewer, a new draw for an ill-conditioned estimator."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(-1, 2, size=np.shape(frames), dtype=np.int16)
    return np.clip(np.asarray(frames, np.int16) + noise, 0, 255).astype(np.uint8)


def relative_poses(frames: np.ndarray, intrinsics: np.ndarray, seed: int = 0, min_inliers: int = 15, matches=None):
    """Estimated ``[R | t]`` (3x4, ``t`` a unit direction, or 0 for a pure rotation) of every frame
    relative to frame 0, or None for frames that cannot be estimated; frame 0 is the identity.
    ``matches`` (:func:`frame_matches`) may be passed to reuse them across seeds."""
    k = np.asarray(intrinsics, np.float64)
    matches = frame_matches(frames, min_inliers) if matches is None else matches
    cv2.setRNGSeed(seed)
    out = [np.hstack([np.eye(3), np.zeros((3, 1))])]
    for pair in matches:
        out.append(None if pair is None else _two_view(pair[0], pair[1], k, min_inliers))
    return out


def sfm_poses(frames: np.ndarray, intrinsics: np.ndarray, seed: int = 0) -> list:
    """``[R | t]`` (3x4) of every frame relative to frame 0 from COLMAP's incremental structure from
    motion, ``t`` in the reconstruction's own scale, or None for frames it did not register (all
    None without a model that holds frame 0).  ``frames`` (T, H, W, 3) uint8 RGB; ``intrinsics``
    the 3x3 pixel matrix, held fixed.  One thread; ``seed`` seeds COLMAP's RANSAC."""
    import tempfile
    from pathlib import Path

    import pycolmap

    k = np.asarray(intrinsics, np.float64)
    with tempfile.TemporaryDirectory(prefix="roomtour-sfm-") as tmp:
        tmp = Path(tmp)
        images = tmp / "images"
        images.mkdir()
        for i, frame in enumerate(frames):
            cv2.imwrite(str(images / f"{i:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        database = tmp / "database.db"
        reader = pycolmap.ImageReaderOptions()
        reader.camera_model = "PINHOLE"
        reader.camera_params = ",".join(str(v) for v in (k[0, 0], k[1, 1], k[0, 2], k[1, 2]))
        extraction = pycolmap.FeatureExtractionOptions()
        extraction.num_threads = 1
        pycolmap.extract_features(database, images, camera_mode=pycolmap.CameraMode.SINGLE, reader_options=reader,
                                  extraction_options=extraction, device=pycolmap.Device.cpu)
        pycolmap.match_exhaustive(database, device=pycolmap.Device.cpu)
        mapping = pycolmap.IncrementalPipelineOptions()
        mapping.num_threads = 1
        mapping.random_seed = seed
        mapping.extract_colors = False
        mapping.multiple_models = False
        mapping.ba_refine_focal_length = mapping.ba_refine_principal_point = mapping.ba_refine_extra_params = False
        models = pycolmap.incremental_mapping(database, images, tmp / "sparse", mapping)
    out = [None] * len(frames)
    if not models:
        return out
    model = max(models.values(), key=lambda m: m.num_reg_images())
    world = {}
    for image in model.images.values():
        if image.has_pose:
            world[int(Path(image.name).stem)] = np.vstack([image.cam_from_world().matrix(), [0, 0, 0, 1]])
    if 0 not in world:
        return out
    to_first = np.linalg.inv(world[0])
    for i, pose in world.items():
        out[i] = (pose @ to_first)[:3]
    return out


def _rotation_from_homography(h: np.ndarray, k: np.ndarray, tolerance: float = 0.02):
    """The rotation a homography is, if it is one (``K^-1 H K`` orthonormal up to scale within
    ``tolerance``), else None: the camera turned without moving (or the scene is at infinity)."""
    m = np.linalg.inv(k) @ h @ k
    det = np.linalg.det(m)
    if det <= 0:
        return None
    m = m / np.cbrt(det)
    u, sv, vt = np.linalg.svd(m)
    if np.abs(sv - 1).max() > tolerance:
        return None
    return u @ vt


def _two_view(a: np.ndarray, b: np.ndarray, k: np.ndarray, min_inliers: int):
    """``[R | t]`` of the second view from matched pixels ``a`` -> ``b``: a pure rotation (``t`` = 0)
    when a homography that is a rotation explains the matches as well as the essential matrix does,
    otherwise the essential matrix's rotation and unit translation; None when neither holds."""
    hom, hmask = cv2.findHomography(a, b, cv2.RANSAC, 1.0)
    e, emask = cv2.findEssentialMat(a, b, k, method=cv2.RANSAC, prob=0.999, threshold=1.0)
    n_h = int(hmask.sum()) if hmask is not None else 0
    n_e = int(emask.sum()) if emask is not None else 0
    if hom is not None and n_h >= min_inliers and n_h >= 0.95 * n_e:
        rot = _rotation_from_homography(hom, k)
        if rot is not None:
            return np.hstack([rot, np.zeros((3, 1))])
    if e is None or e.shape != (3, 3) or n_e < min_inliers:
        return None
    # every inlier votes in the cheirality check, however far: OpenCV's default leaves out points
    # beyond 50 baselines, which in a room is all of them while a slow camera has moved a few cm
    # (such frames went unestimated, and a sum over estimated frames then favoured the video)
    inliers, r, t, _, _ = cv2.recoverPose(e, a, b, k, distanceThresh=FAR_POINT_BASELINES, mask=emask)
    if inliers < min_inliers:
        return None
    return np.hstack([r, t.reshape(3, 1) / max(np.linalg.norm(t), 1e-12)])


def _geodesic(r1: np.ndarray, r2: np.ndarray) -> float:
    cos = (np.trace(r1.T @ r2) - 1) / 2
    return float(np.arccos(np.clip(cos, -1.0, 1.0)))


def _relative_path(w2c: np.ndarray) -> np.ndarray:
    w2c = np.asarray(w2c, np.float64)
    first = np.linalg.inv(np.vstack([w2c[0], [0, 0, 0, 1]]))
    return np.stack([(np.vstack([p, [0, 0, 0, 1]]) @ first)[:3] for p in w2c])


def _score(est: list, ref: np.ndarray, min_baseline: float, scaled: bool = False):
    """Summed (RotErr, TransErr, CamMC) and (estimated, unestimated) of one estimate against one path.
    ``scaled``: the estimate's translations carry relative lengths (structure from motion) and are
    divided by their own largest norm; otherwise they are directions that take the reference's."""
    norms = np.linalg.norm(ref[:, :, 3], axis=1)
    largest = norms.max()
    est_largest = max((np.linalg.norm(e[:, 3]) for e in est if e is not None), default=0.0)
    rot = trans = mc = 0.0
    done = missing = 0
    for t in range(1, len(ref)):
        if est[t] is None:
            missing += 1
            continue
        done += 1
        rot += _geodesic(est[t][:, :3], ref[t][:, :3])
        t_ref = ref[t][:, 3] / largest if largest > 0 else np.zeros(3)
        moved = np.linalg.norm(est[t][:, 3]) > 0  # a pure rotation was estimated: no translation
        if scaled:
            t_est = est[t][:, 3] / est_largest if est_largest > 0 else np.zeros(3)
        elif largest > 0 and norms[t] >= min_baseline * largest:
            # the estimate knows directions only: it takes the reference's length
            t_est = est[t][:, 3] * norms[t] / largest if moved else np.zeros(3)
        else:
            t_est = t_ref  # too short a baseline to have a direction: rotation only
        trans += float(np.linalg.norm(t_est - t_ref))
        mc += float(np.linalg.norm(np.hstack([est[t][:, :3], t_est[:, None]]) -
                                   np.hstack([ref[t][:, :3], t_ref[:, None]])))
    return rot, trans, mc, done, missing


def explained_matches(pose: np.ndarray, a: np.ndarray, b: np.ndarray, k: np.ndarray, threshold: float = 1.0) -> int:
    """How many matched pixels ``a`` (frame 0) -> ``b`` (frame t) the relative pose ``[R | t]``
    explains within ``threshold`` pixels: the Sampson distance to its epipolar lines, or the
    transfer error of the rotation homography ``K R K^-1`` when ``t`` is zero."""
    r, t = pose[:, :3], pose[:, 3]
    k_inv = np.linalg.inv(k)
    ah, bh = np.c_[a, np.ones(len(a))], np.c_[b, np.ones(len(b))]
    if np.linalg.norm(t) < 1e-12:
        proj = ah @ (k @ r @ k_inv).T
        err2 = np.sum((proj[:, :2] / proj[:, 2:] - b) ** 2, axis=1)
    else:
        tx = np.array([[0, -t[2], t[1]], [t[2], 0, -t[0]], [-t[1], t[0], 0]])
        f = k_inv.T @ tx @ r @ k_inv
        fa, ftb = ah @ f.T, bh @ f
        err2 = np.sum(bh * fa, axis=1) ** 2 / (fa[:, 0] ** 2 + fa[:, 1] ** 2 + ftb[:, 0] ** 2 + ftb[:, 1] ** 2)
    return int(np.sum(err2 <= threshold ** 2))


def _verified(poses: list, matches: list, k: np.ndarray) -> list:
    """SfM poses, each checked against its frame pair's own matches: a pose that explains fewer
    than half of what the pair's essential matrix (RANSAC, 1 px) explains contradicts the pixels
    and is dropped (None).  A model that fits all frames jointly can still be wrong for the
    pair (a flipped or flattened reconstruction); the pair's matches are the evidence."""
    out = list(poses)
    for t, pair in enumerate(matches, start=1):
        if out[t] is None or pair is None:
            continue
        a, b = pair
        _, mask = cv2.findEssentialMat(a, b, k, method=cv2.RANSAC, prob=0.999, threshold=1.0)
        best = int(mask.sum()) if mask is not None else 0
        if explained_matches(out[t], a, b, k) < 0.5 * best:
            out[t] = None
    return out


def _estimates(frames, intrinsics, estimator: str, trials: int, min_inliers: int):
    """Per-seed pose estimates and the estimator that made them: SfM where, after each pose is
    checked against its frame pair's matches, it holds at least half the frames in every trial,
    else two-view (see the module docstring)."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"camera accuracy estimator {estimator!r}: choose one of {', '.join(ESTIMATORS)}")
    k = np.asarray(intrinsics, np.float64)
    matches = frame_matches(frames, min_inliers)
    if estimator == "sfm":
        cv2.setRNGSeed(0)
        estimates = [_verified(sfm_poses(frames, k, seed), matches, k) for seed in range(trials)]
        if all(sum(p is not None for p in est) >= len(frames) / 2 for est in estimates):
            return estimates, "sfm"
    # OpenCV's RANSAC is deterministic: trials after the first see dithered frames (module docstring)
    return [relative_poses(frames, k, 0, min_inliers, matches)] + [
        relative_poses(dithered(frames, seed), k, seed, min_inliers) for seed in range(1, trials)], "two-view"


def camera_errors(frames: np.ndarray, intrinsics: np.ndarray, w2c, trials: int | None = None,
                  min_baseline: float = 0.05, min_inliers: int = 15, estimator: str | None = None):
    """RotErr, TransErr and CamMC of a video (``frames`` (T, H, W, 3) uint8) against the path ``w2c``
    (T, 3, 4) it should follow, averaged over ``trials`` estimates (see the module docstring).
    ``w2c`` may be a dict of named paths: then a dict of :class:`CameraErrors` is returned, every
    path scored against the same estimates."""
    from .schema import schema_default

    # the study's settings unless told otherwise: one source of defaults (the config schema)
    trials = schema_default("metrics", "camera", "trials") if trials is None else trials
    estimator = schema_default("metrics", "camera", "estimator") if estimator is None else estimator
    paths = w2c if isinstance(w2c, dict) else {"": w2c}
    n = len(frames)
    refs = {name: _relative_path(p)[:n] for name, p in paths.items()}
    estimates, used = _estimates(frames, intrinsics, estimator, trials, min_inliers)
    out = {}
    for name, ref in refs.items():
        results = [_score(est, ref, min_baseline, scaled=used == "sfm") for est in estimates]
        scored = [r for r in results if r[3]]
        if not scored:
            out[name] = CameraErrors(float("nan"), float("nan"), float("nan"), 0, n - 1, used)
            continue
        out[name] = CameraErrors(float(np.mean([r[0] for r in scored])), float(np.mean([r[1] for r in scored])),
                                 float(np.mean([r[2] for r in scored])), int(results[0][3]),
                                 int(round(np.mean([r[4] for r in results]))), used)
    return out if isinstance(w2c, dict) else out[""]
