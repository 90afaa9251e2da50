"""A small name -> factory registry shared by generators, denoisers and upscalers."""

from __future__ import annotations

import inspect

from .errors import RoomtourError


class Registry:
    """Maps method names (as written in the config) to classes.

    ``create(name, options)`` builds an instance from the config's ``options``
    mapping and turns unknown names or options into one-line errors.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, type] = {}

    def register(self, name: str):
        def deco(cls):
            self._entries[name] = cls
            cls.method_name = name
            return cls

        return deco

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: str) -> type:
        if name not in self._entries:
            raise RoomtourError(f"{self.kind} {name!r}", f"unknown method; available: {', '.join(self.names())}")
        return self._entries[name]

    def check_options(self, name: str, options: dict | None = None) -> None:
        """Unknown options and values of the wrong type are one-line errors, before anything loads.

        Types come from the constructor's annotations (``float | str`` allows
        both); an option without an annotation is accepted as given.
        """
        cls = self.get(name)
        options = dict(options or {})
        params = inspect.signature(cls.__init__).parameters
        unknown = [k for k in options if k not in params]
        if unknown and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            allowed = [p for p in params if p != "self"]
            raise RoomtourError(
                f"{self.kind} {name!r}", f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(allowed) or 'none'}"
            )
        for key, value in options.items():
            if key in params and not _fits(params[key].annotation, value):
                raise RoomtourError(f"{self.kind} {name!r}",
                                    f"option {key}={value!r} should be {_describe(params[key].annotation)}")

    def create(self, name: str, options: dict | None = None, weights_dir: str | None = None):
        """An instance built from ``options``; ``weights_dir`` is passed when the method takes it
        and ``options`` do not name their own (the one place that rule lives)."""
        self.check_options(name, options)
        options = dict(options or {})
        if weights_dir and self.accepts(name, "weights_dir"):
            options.setdefault("weights_dir", weights_dir)
        return self.get(name)(**options)

    def accepts(self, name: str, option: str) -> bool:
        """Whether the method takes a given constructor option (e.g. ``weights_dir``)."""
        return option in inspect.signature(self.get(name).__init__).parameters

    def uses_gpu(self, name: str) -> bool:
        """Whether the method can use a GPU (drives the rules' ``gpu`` resource tag)."""
        return bool(getattr(self.get(name), "uses_gpu", False))


_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,), "dict": (dict,), "list": (list, tuple),
          "None": (type(None),)}


def _annotation_types(annotation):
    """Python types allowed by a simple annotation string such as ``float | str`` (None: unknown)."""
    if annotation is inspect.Parameter.empty or not isinstance(annotation, str):
        return None
    allowed = []
    for part in annotation.replace(" ", "").split("|"):
        part = part.split("[")[0]
        if part not in _TYPES:
            return None
        allowed.extend(_TYPES[part])
    return tuple(allowed)


def _fits(annotation, value) -> bool:
    allowed = _annotation_types(annotation)
    if allowed is None:
        return True
    if isinstance(value, bool) and bool not in allowed:
        return False  # True is an int in Python, but not a number of pixels
    return isinstance(value, allowed)


def _describe(annotation) -> str:
    names = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true or false",
             "dict": "a mapping", "list": "a list", "None": "null"}
    return " or ".join(names.get(p.split("[")[0], p) for p in str(annotation).replace(" ", "").split("|"))
