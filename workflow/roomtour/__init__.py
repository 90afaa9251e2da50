"""roomtour: camera-guided videos from single interior photos, post-processed and scored.

The package holds one module per concept: camera paths (:mod:`roomtour.camera`),
video and image I/O (:mod:`roomtour.video`), procedural scenes with exact depth
(:mod:`roomtour.scenes`), generators, denoisers and upscalers (registries in
:mod:`roomtour.generators`, :mod:`roomtour.denoisers`, :mod:`roomtour.upscalers`),
post-processing chains (:mod:`roomtour.chains`), metrics (:mod:`roomtour.metrics`)
and summary statistics (:mod:`roomtour.stats`).
"""

__version__ = "0.1.0"
