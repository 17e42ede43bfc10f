"""Shared dependencies: the store, the settings and who is asking.

Every route but /health, /docs, /openapi.json and static files depends on ``principal``:
``Authorization: Bearer TOKEN`` (or the web page's ``reportmine_token`` cookie); without
one the answer is 401, unless ``REPORTMINE_ANONYMOUS=1`` lets the request act as staff
of the tenant ``default``.
"""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request, status

from reportmine.config import Settings, get_settings
from reportmine.store.auth import ANONYMOUS, Principal, principal_for_token
from reportmine.store.repository import Store

TOKEN_COOKIE = "reportmine_token"


def settings(request: Request) -> Settings:
    s = getattr(request.app.state, "settings", None)
    if s is None:
        s = request.app.state.settings = get_settings()
    return s


def store(request: Request) -> Store:
    st = getattr(request.app.state, "store", None)
    if st is None:
        from reportmine.store.repository import get_store

        st = request.app.state.store = get_store(settings(request).db)
    return st


CSRF_COOKIE = "rm_csrf"  # the web page's double-submit token (api/routes/web.py)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "use Authorization: Bearer TOKEN",
                                headers={"WWW-Authenticate": "Bearer"})
        return token.strip()
    token = request.cookies.get(TOKEN_COOKIE) or None
    if token and request.method not in SAFE_METHODS:
        # a browser sends the login cookie with any cross-site form: a change made with the
        # cookie alone must also carry the page's CSRF token in a header
        csrf = request.cookies.get(CSRF_COOKIE)
        if not csrf or request.headers.get("x-csrf-token") != csrf:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "cookie sign-in needs the X-CSRF-Token header")
    return token


def principal(request: Request, st: Store = Depends(store), cfg: Settings = Depends(settings)) -> Principal:
    token = _bearer(request)
    if token:
        who = principal_for_token(st, token)
        if who is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return who
    if cfg.anonymous:
        return ANONYMOUS
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "authentication required",
                        headers={"WWW-Authenticate": "Bearer"})


def staff(who: Principal = Depends(principal)) -> Principal:
    if who.role not in ("admin", "staff"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "needs a staff or admin token")
    return who


def admin(who: Principal = Depends(principal)) -> Principal:
    if who.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "needs an admin token")
    return who
