"""Who may use the studio: a token, a session cookie, and no requests from other sites.

- On loopback without ``--token`` the studio is open (a person's own machine).  Listening on
  anything else requires a token (given, or generated and printed at start); every page and
  API call without it is refused.
- ``/login`` exchanges the token for an ``HttpOnly``, ``SameSite=Strict`` session cookie (an
  HMAC of the token: a new token ends every session).  API clients may send
  ``Authorization: Bearer <token>`` instead.
- A state-changing request (POST, PUT, PATCH, DELETE) whose ``Origin`` (or, without one,
  ``Referer``) is another site, or that the browser marks ``Sec-Fetch-Site: cross-site``, is
  refused (CSRF), with or without a token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

__all__ = ["Settings", "COOKIE", "session_value", "require_user", "is_loopback", "same_origin"]

COOKIE = "roomtour_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Settings:
    data: str
    token: str | None = None
    workers: int = 1
    weights_dir: str = ""
    threads: int | None = None


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"roomtour-studio-session", hashlib.sha256).hexdigest()


def authorised(request: Request) -> bool:
    token = request.app.state.settings.token
    if not token:
        return True
    cookie = request.cookies.get(COOKIE, "")
    if cookie and hmac.compare_digest(cookie, session_value(token)):
        return True
    auth = request.headers.get("authorization", "")
    return auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].strip(), token)


def require_user(request: Request) -> None:
    """Dependency of every route but the login page and the static files."""
    if not authorised(request):
        raise HTTPException(401, "log in first: this studio needs its token")


def same_origin(request: Request) -> bool:
    """Whether an unsafe request comes from the studio's own pages (or from no browser page)."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return False
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source != "null"  # no header: not a browser page (curl, the API); "null": sandboxed
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == f"{request.url.scheme}://{request.headers.get('host', '')}"
