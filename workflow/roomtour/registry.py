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

    def create(self, name: str, options: dict | None = None):
        cls = self.get(name)
        options = dict(options or {})
        params = inspect.signature(cls.__init__).parameters
        unknown = [k for k in options if k not in params]
        if unknown and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            allowed = [p for p in params if p != "self"]
            raise RoomtourError(
                f"{self.kind} {name!r}", f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(allowed) or 'none'}"
            )
        return cls(**options)

    def accepts(self, name: str, option: str) -> bool:
        """Whether the method takes a given constructor option (e.g. ``weights_dir``)."""
        return option in inspect.signature(self.get(name).__init__).parameters

    def uses_gpu(self, name: str) -> bool:
        """Whether the method can use a GPU (drives the rules' ``gpu`` resource tag)."""
        return bool(getattr(self.get(name), "uses_gpu", False))
