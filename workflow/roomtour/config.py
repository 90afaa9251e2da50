"""Configuration: JSON-schema validation with defaults, and the study grid it implies.

The schema (``workflow/schemas/config.schema.yaml``) is the single description
of every setting; this module validates a config against it, fills defaults,
and turns a failure into one line naming the file and the offending key.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from .chains import parse_chain, upscale_count, BASELINES
from .errors import RoomtourError
from .schema import DEFAULT_SCHEMA, load_schema, schema_choices, schema_default  # noqa: F401 (re-exported)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif")
NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")


def _with_defaults(validator_class):
    validate_props = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = _copy(sub["default"])
        yield from validate_props(validator, properties, instance, schema)

    import jsonschema  # on first use: 60 ms that every workflow job's CLI would pay

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _copy(v):
    return yaml.safe_load(yaml.safe_dump(v))


def validate_config(config: dict, schema_path: str | Path = DEFAULT_SCHEMA, where: str = "config") -> dict:
    """Validate ``config`` in place (defaults filled) and return it.

    Raises :class:`RoomtourError` with one line: ``<where>: <key path>: <problem>``.
    """
    schema = load_schema(schema_path)
    import jsonschema

    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.path), list(map(str, e.path))))
    if errors:
        err = errors[0]
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise RoomtourError(where, f"{key}: {_short(err)}")
    _check_semantics(config, where)
    return config


def _short(err) -> str:
    msg = err.message
    return msg if len(msg) < 200 else msg[:197] + "..."


def _check_semantics(config: dict, where: str) -> None:
    for chain in config["chains"]:
        if chain not in BASELINES:
            try:
                parse_chain(chain)
            except RoomtourError as exc:
                raise RoomtourError(where, f"chains: {exc.problem} ({chain!r})") from None
    if "raw" not in config["chains"]:
        raise RoomtourError(where, "chains: must include 'raw' (every chain is compared with it)")
    check_methods(config, where)
    for name in list(config.get("motions", {})):
        if not NAME_RE.match(name):
            raise RoomtourError(where, f"motions: name {name!r} may use only letters, digits and '_'")


def check_methods(config: dict, where: str = "config") -> None:
    """Each step's method options against the method's signature (names and types), so a
    typo such as ``sigm`` or ``sigma: high`` stops the run before any job starts."""
    from .denoisers import DENOISERS
    from .generators import GENERATORS
    from .upscalers import UPSCALERS

    for step, registry in (("generate", GENERATORS), ("denoise", DENOISERS), ("upscale", UPSCALERS)):
        block = config.get(step, {})
        options = dict(block.get("options", {}))
        try:
            registry.check_options(block["method"], options)
        except RoomtourError as exc:
            raise RoomtourError(where, f"{step}.options: {exc.problem} ({exc.where})") from None
        if step == "denoise" and block["method"] == "fastdvdnet" and isinstance(options.get("sigma"), str) \
                and options["sigma"] != "auto":
            raise RoomtourError(where, f"denoise.options: sigma must be a number or 'auto', not {options['sigma']!r}")


def read_yaml(path: str | Path, what: str = "config file"):
    """A YAML file's content, or one line naming the file, and for a syntax error its line."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise RoomtourError(path, f"{what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RoomtourError(path, f"cannot read the {what} ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RoomtourError(path, f"{line}not valid YAML ({problem})") from None


def load_config(path: str | Path, schema_path: str | Path = DEFAULT_SCHEMA) -> dict:
    """Read and validate a YAML config file."""
    config = read_yaml(path) or {}
    return validate_config(config, schema_path, where=str(path))


def safe_name(stem: str) -> str:
    """A wildcard-safe image name from a file stem."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_") or "image"


def image_sources(config: dict, where: str = "config") -> dict[str, str]:
    """Map image name -> source: ``procedural:<scene>`` or a photo file path."""
    images = config.get("images")
    if not images:
        return {}
    if "procedural" in images:
        return {name: f"procedural:{name}" for name in images["procedural"]}
    directory = Path(images["directory"])
    if "files" in images:
        out = {}
        for name, rel in images["files"].items():
            if not NAME_RE.match(name):
                raise RoomtourError(where, f"images.files: name {name!r} may use only letters, digits and '_'")
            out[name] = str(directory / rel)
        return out
    if not directory.is_dir():
        raise RoomtourError(directory, "images.directory is not a directory")
    files, skipped = photo_files(directory)
    if skipped:
        import sys

        print(f"roomtour: {directory}: skipping {len(skipped)} file(s) that are not photos "
              f"({', '.join(p.name for p in skipped[:5])}{', ...' if len(skipped) > 5 else ''})", file=sys.stderr)
    if not files:
        raise RoomtourError(directory, f"no photos ({', '.join(IMAGE_SUFFIXES)}) in images.directory")
    out, seen = {}, {}
    for p in files:
        name = safe_name(p.stem)
        if name in out:
            raise RoomtourError(p, f"two photos map to the same name {name!r}; list them under images.files")
        digest = _file_digest(p)
        if digest in seen:
            # the same photo twice would count as two videos and inflate n in the paired statistics
            logging.getLogger(__name__).warning("%s: the same file as %s; counted once", p, seen[digest])
            continue
        seen[digest] = p.name
        out[name] = str(p)
    return out


def _file_digest(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def photo_files(directory: str | Path) -> tuple[list[Path], list[Path]]:
    """``(photos, skipped)``: the directory's files with a photo suffix (sorted by name), and the
    other visible files, so a caller can say what it leaves out."""
    entries = sorted(p for p in Path(directory).iterdir() if p.is_file() and not p.name.startswith("."))
    photos = [p for p in entries if p.suffix.lower() in IMAGE_SUFFIXES]
    return photos, [p for p in entries if p not in photos and p.suffix.lower() not in (".yaml", ".yml")]


def compare_scale(config: dict) -> float:
    """Scale from the generated size to the common comparison size: the largest
    total upscale factor among the configured chains (1 without upscaling)."""
    ups = max((upscale_count(c) for c in config["chains"]), default=0)
    return float(config["upscale"]["scale"]) ** ups


def compare_size(config: dict) -> tuple[int, int]:
    s = compare_scale(config)
    return int(round(config["video"]["width"] * s)), int(round(config["video"]["height"] * s))
