"""The configuration schema, read once: its defaults and choices.

A leaf module (it imports nothing of roomtour), so any module may take a default from the
schema at import time without an import cycle.  Validation against the schema lives in
:mod:`roomtour.config`.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

__all__ = ["DEFAULT_SCHEMA", "CHECKOUT", "load_schema", "schema_default", "schema_choices"]

DEFAULT_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"
CHECKOUT = DEFAULT_SCHEMA.parents[2]  # the repository root: relative defaults such as ../shared are beside it


def schema_default(*keys, schema_path: str | Path = DEFAULT_SCHEMA):
    """A setting's default as the schema states it (the one source of defaults the CLI shares
    with the workflow), e.g. ``schema_default("generate", "method")``."""
    node = _parsed_schema(str(schema_path))
    for key in keys:
        node = node["properties"][key]
    return copy.deepcopy(node.get("default"))


def schema_choices(*keys, schema_path: str | Path = DEFAULT_SCHEMA) -> list:
    """The values a setting may take (its schema ``enum``), e.g. ``schema_choices("denoise", "method")``."""
    node = _parsed_schema(str(schema_path))
    for key in keys:
        node = node["properties"][key]
    return list(node["enum"])


@functools.lru_cache(maxsize=4)
def _parsed_schema(path: str) -> dict:
    """The parsed schema, shared: callers read it (or copy what they hand out), never change it.
    libyaml's loader where PyYAML has it: 10x faster, and every workflow job's CLI parses it."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(), Loader=loader)


def load_schema(path: str | Path = DEFAULT_SCHEMA) -> dict:
    """The schema as a fresh mapping (read and parsed once per process: every CLI default comes
    from it, and parsing the YAML a dozen times cost 1.5 s per command)."""
    return copy.deepcopy(_parsed_schema(str(path)))
