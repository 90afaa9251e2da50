"""The render options an agent sets in the studio: a subset of the tour's, checked against the
same schema (``$defs/tour_options``) as ``roomtour tour`` and the workflow, so the three share
every option's default and choices.  The listing and the agent's card supply the rest (price,
address, agent, logo, music), never the request."""

from __future__ import annotations

from ..errors import RoomtourError

__all__ = ["STUDIO_OPTIONS", "check_render_options", "studio_option_specs"]

STUDIO_OPTIONS = ("formats", "length", "seconds_per_photo", "unbranded", "target", "title", "outro", "captions",
                  "transition", "size", "depth", "fps")


def studio_option_specs() -> dict:
    from ..tour.options import tour_option_specs

    specs = tour_option_specs()
    return {k: specs[k] for k in STUDIO_OPTIONS}


def check_render_options(options: dict) -> dict:
    """``options`` with the schema's defaults filled, or one line naming the bad option."""
    import jsonschema

    from ..tour.options import TourOptions

    if not isinstance(options, dict):
        raise RoomtourError("options", "must be an object of render options")
    unknown = sorted(set(options) - set(STUDIO_OPTIONS))
    if unknown:
        raise RoomtourError("options", f"unknown option(s) {', '.join(unknown)}; the studio sets "
                                       f"{', '.join(STUDIO_OPTIONS)}")
    specs = studio_option_specs()
    schema = {"type": "object", "properties": specs, "additionalProperties": False}
    error = next(iter(jsonschema.Draft202012Validator(schema).iter_errors(options)), None)
    if error is not None:
        key = ".".join(map(str, error.absolute_path)) or "options"
        raise RoomtourError(key, error.message[:200])
    clean = {k: options.get(k, spec.get("default")) for k, spec in specs.items()}
    TourOptions(**clean).check()  # the same semantic checks as the command line (size, crossfade, ...)
    return clean
