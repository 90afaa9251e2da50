"""``roomtour studio``: the web page for agents (see :mod:`roomtour.studio`)."""

from __future__ import annotations

import secrets

from ..errors import RoomtourError


def cmd_studio(a):
    try:
        import uvicorn

        from ..studio.app import create_app
        from ..studio.security import Settings, is_loopback
    except ImportError as exc:
        raise RoomtourError("studio", f"needs {exc.name} (pip install -e . installs it)") from None
    token = a.token or None
    if not token and not is_loopback(a.host):
        token = secrets.token_urlsafe(18)
        print(f"roomtour studio: listening on {a.host}, so a token is required; this run's token: {token}", flush=True)
    if a.workers < 1:
        raise RoomtourError("--workers", "at least 1")
    app = create_app(Settings(data=a.data, token=token, workers=a.workers, weights_dir=a.weights_dir,
                              threads=a.render_threads))
    shown = "localhost" if is_loopback(a.host) else a.host
    print(f"roomtour studio: open http://{shown}:{a.port}/ (data in {a.data}; Ctrl-C stops it)", flush=True)
    uvicorn.run(app, host=a.host, port=a.port, log_level="warning")


def add_commands(sub) -> None:
    s = sub.add_parser("studio", help="the web page: listings, photos, renders, downloads")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (anything but loopback needs a token)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--data", default="studio-data", help="folder for the database, uploads and renders")
    s.add_argument("--token", default="", help="the token people log in with (generated when listening beyond "
                                               "loopback without one)")
    s.add_argument("--workers", type=int, default=1, help="renders at once (each uses every core; 1 on 2 cores)")
    s.add_argument("--render-threads", type=int, default=None, help="CPU threads per render (default: all)")
    s.add_argument("--weights-dir", default="", help="model weights (default: the schema's, ../shared/weights)")
    s.set_defaults(func=cmd_studio)
