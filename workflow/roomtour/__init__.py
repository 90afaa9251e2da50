"""roomtour: camera-guided videos from single interior photos, post-processed and scored.

The package holds one module per concept: camera paths (:mod:`roomtour.camera`),
video and image I/O (:mod:`roomtour.video`), procedural scenes with exact depth
(:mod:`roomtour.scenes`), generators, denoisers and upscalers (registries in
:mod:`roomtour.generators`, :mod:`roomtour.denoisers`, :mod:`roomtour.upscalers`),
depth for one photo (:mod:`roomtour.depth`), post-processing chains
(:mod:`roomtour.chains`), metrics (:mod:`roomtour.metrics`), summary statistics
(:mod:`roomtour.stats`), the synthetic-degradation benchmark
(:mod:`roomtour.restoration`), the RealEstate10K suite (:mod:`roomtour.suite`),
FastDVDnet training (:mod:`roomtour.training`), adapters for external tools
(:mod:`roomtour.external`), and the networks with their loaders
(:mod:`roomtour.models`).
"""

__version__ = "0.1.0"
