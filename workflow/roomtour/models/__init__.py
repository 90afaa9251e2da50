"""Neural network architectures (one per file) and the explicit weight loader.

Architectures hold no weights and never download anything; weights are read
from files the user points the config at (``weights_dir``), through
:func:`roomtour.models.loading.load_weights`, which reports missing and
unexpected keys.
"""
