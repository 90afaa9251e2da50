"""Property tours: a folder of listing photos becomes the videos an agent posts.

Each photo gets a *shot*: a short camera move over the photo, rendered with real parallax
(:mod:`roomtour.render`, depth that keeps the photo's straight lines straight) in ``fit``
framing (:mod:`roomtour.framing`), so no frame shows more than a few percent of made-up
pixels (``min_visible``).  Shots are joined by crossfades (or cuts), framed by a title and a
closing card, captioned with room names, put to loudness-normalised music, and encoded for
every platform at once (:mod:`.platforms`).

Where things live:

- :mod:`.options`: every option and its default (from the schema's ``$defs/tour_options``);
- :mod:`.plan`: which photos, in which order, for how long (``tour.yaml``, ``--length``);
- :mod:`.shot`: one photo's geometry (solved once) and its frames in one format;
- :mod:`.cards`: text, cards, captions, the agent card and badge, the unbranded check;
- :mod:`.platforms`: what YouTube, Shorts, Instagram, TikTok and MLS accept, and the checks;
- :mod:`.outputs`: the files a run writes, which existing ones are its own, moving them into place;
- :mod:`.deliver`: :func:`render_tour`, every format and variant from one run.
"""

import importlib

# where each public name lives; imported on first use, so a command that needs only the options
# (every workflow job builds the CLI) does not load the renderer, the cards and the encoder
_HOMES = {
    "cards": ["CaptionOverlay", "card", "safe_area"],
    "outputs": ["Deliverable", "deliverables"],
    "deliver": ["TourProgress", "crossfade", "render_tour", "repeat", "shot_stream",
                "write_shot"],
    "options": ["CARD_SECONDS", "FORMATS", "MOVES", "TourOptions", "format_size", "format_slug", "tour_defaults"],
    "plan": ["Shot", "caption_from_name", "fit_length", "load_for_tour", "read_folder", "shot_frames", "timeline_frames"],
    "shot": ["PhotoGeometry", "ShotRenderer", "choose_move"],
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)


__all__ = ["CaptionOverlay", "card", "safe_area", "Deliverable", "TourProgress", "crossfade", "deliverables",
           "render_tour", "repeat", "shot_stream", "write_shot", "CARD_SECONDS", "FORMATS", "MOVES", "TourOptions",
           "format_size", "format_slug", "tour_defaults", "Shot", "caption_from_name", "fit_length", "load_for_tour",
           "read_folder", "shot_frames", "timeline_frames", "PhotoGeometry", "ShotRenderer", "choose_move"]
