"""The studio's web application: :func:`create_app` (FastAPI, Jinja2 templates, no build step)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .jobs import JobRunner
from .limits import BodyLimit
from .preview import PreviewPool
from .routes import listings, pages, photos, renders
from .security import Settings, require_user, same_origin
from .store import Store

__all__ = ["create_app"]

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def create_app(settings: Settings, start_workers: bool = True) -> FastAPI:
    """The app over ``settings.data``; ``start_workers`` False leaves renders queued (tests)."""
    store = Store(settings.data)
    runner = JobRunner(store, settings.workers, settings.weights_dir, settings.threads)

    @asynccontextmanager
    async def lifespan(app):
        if start_workers:
            runner.start()
            app.state.previews.start(settings.weights_dir)
        yield
        runner.stop()
        app.state.previews.shutdown()

    app = FastAPI(title="roomtour studio", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings, app.state.store, app.state.runner = settings, store, runner
    app.state.previews = PreviewPool()
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))  # .html autoescaped

    @app.middleware("http")
    async def refuse_cross_site(request: Request, call_next):
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not same_origin(request):
            return JSONResponse({"detail": "refused: a change sent from another site (CSRF)"}, status_code=403)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; media-src 'self'; "
                                    "style-src 'self'; script-src 'self'; frame-ancestors 'none'")
        return response

    @app.exception_handler(HTTPException)
    async def one_line(request: Request, exc: HTTPException):
        wants_page = not request.url.path.startswith(("/api/", "/media/", "/renders/"))
        if exc.status_code == 401 and wants_page and request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    app.add_middleware(BodyLimit)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(pages.public)
    guarded = [Depends(require_user)]
    app.include_router(pages.router)
    for module in (listings, photos, renders):
        app.include_router(module.router, dependencies=guarded)
    return app
