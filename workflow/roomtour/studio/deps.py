"""Dependencies the routers share: the store, the job runner, one-line errors."""

from __future__ import annotations

from fastapi import HTTPException, Request

from ..errors import RoomtourError
from .jobs import JobRunner
from .store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_runner(request: Request) -> JobRunner:
    return request.app.state.runner


def refuse(exc: RoomtourError, status: int = 400) -> HTTPException:
    """A bad request as one line the page shows as it is."""
    return HTTPException(status, str(exc))


def listing_or_404(store: Store, listing_id: int) -> dict:
    try:
        return store.listing(listing_id)
    except RoomtourError as exc:
        raise HTTPException(404, str(exc)) from None
