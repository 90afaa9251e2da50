"""``roomtour check-config``: validate a study or tour config before running it (either audience)."""

from __future__ import annotations


def cmd_check_config(a):
    from ..config import DEFAULT_SCHEMA, image_sources, load_config

    cfg = load_config(a.config, a.schema or DEFAULT_SCHEMA)
    sources = image_sources(cfg, where=str(a.config))
    parts = []
    if sources:
        parts.append(f"{len(sources)} images x {len(cfg['motions'])} motions x {len(cfg['chains'])} chains")
    if cfg.get("tours"):
        from ..tour import read_folder

        for listing, spec in cfg["tours"].items():
            shots = read_folder(spec["photos"])
            parts.append(f"tour {listing}: {len(shots)} photos x {len(spec['formats'])} formats")
    print(f"{a.config}: valid; " + "; ".join(parts))


def add_commands(sub) -> None:
    s = sub.add_parser("check-config", help="validate a config file against the schema")
    s.add_argument("config")
    s.add_argument("--schema")
    s.set_defaults(func=cmd_check_config)
