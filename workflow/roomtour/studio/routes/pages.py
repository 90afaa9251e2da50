"""The pages: login, the listings, one listing (plain HTML; the page's script calls the API)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...tour.options import MOVES
from ..deps import get_store, listing_or_404
from ..render_options import studio_option_specs
from ..security import COOKIE, require_user, session_value
from ..store import Store
from ..uploads import MAX_MUSIC_BYTES, MAX_PHOTO_BYTES, MAX_PHOTOS

router = APIRouter(tags=["pages"])
public = APIRouter(tags=["login"])


def _render(request: Request, name: str, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, name, context)


@public.get("/login", response_class=HTMLResponse)
def login_page(request: Request, failed: bool = False):
    return _render(request, "login.html", failed=failed)


@public.post("/login")
def login(request: Request, token: str = Form(...)):
    expected = request.app.state.settings.token or ""
    if not expected or not hmac.compare_digest(token.strip(), expected):
        return RedirectResponse("/login?failed=1", status_code=303)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, session_value(expected), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", max_age=14 * 24 * 3600)
    return response


@router.get("/", response_class=HTMLResponse, dependencies=[Depends(require_user)])
def index(request: Request, store: Store = Depends(get_store)):
    listings = store.query("SELECT l.*, (SELECT COUNT(*) FROM photos p WHERE p.listing = l.id) AS photos "
                           "FROM listings l ORDER BY id DESC")
    agents = store.query("SELECT * FROM agents ORDER BY name")
    return _render(request, "index.html", listings=listings, agents=agents)


@router.get("/listings/{listing_id}", response_class=HTMLResponse, dependencies=[Depends(require_user)])
def listing_page(listing_id: int, request: Request, store: Store = Depends(get_store)):
    listing = listing_or_404(store, listing_id)
    return _render(request, "listing.html", listing=listing, moves=MOVES, specs=studio_option_specs(),
                   limits={"photo_mb": MAX_PHOTO_BYTES // 2**20, "photos": MAX_PHOTOS,
                           "music_mb": MAX_MUSIC_BYTES // 2**20})
