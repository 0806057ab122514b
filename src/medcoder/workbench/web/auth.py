"""Who is calling: a bearer token (the JSON API) or the page's session cookie, and CSRF.

    Authorization: Bearer mcw_...   the API; CSRF-exempt (a browser never sends it on its own)
    Cookie: mc_session=...          the page; signed (itsdangerous) with the settings' secret,
                                    HttpOnly, SameSite=Lax, Secure outside development, expires
                                    after ``session_minutes``. It holds the user id, name and role
                                    and a random CSRF token; nothing else. The actor is read from
                                    the user row on every request (``Workbench.actor_for_user``),
                                    never from the cookie: a deactivated user or a changed role
                                    takes effect at once.

A request authenticated by the session cookie with an unsafe method (POST, PUT, PATCH, DELETE)
must carry the session's CSRF token: the ``csrf_token`` form field (forms) or the
``X-CSRF-Token`` header (fetch); without it the request is refused with 403 (MC403).
Authorization itself is the service's (``Workbench`` checks the actor's role on every call).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from medcoder.workbench.errors import AuthError, Forbidden
from medcoder.workbench.security import Actor
from medcoder.workbench.web.middleware import SESSION_COOKIE

__all__ = [
    "SESSION_COOKIE",
    "SessionCodec",
    "api_actor",
    "check_csrf",
    "page_actor",
    "session_of",
]

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SessionCodec:
    """Signs and reads the session cookie."""

    def __init__(self, secret: str, max_age_s: int, *, secure: bool) -> None:
        self._s = URLSafeTimedSerializer(secret, salt="medcoder-workbench-session")
        self.max_age_s = max_age_s
        self.secure = secure

    def dumps(self, data: dict[str, Any]) -> str:
        return self._s.dumps(data)

    def loads(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = self._s.loads(raw, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired
            return {}
        return data if isinstance(data, dict) else {}

    def set(self, response: Any, data: dict[str, Any]) -> None:
        response.set_cookie(SESSION_COOKIE, self.dumps(data), max_age=self.max_age_s,
                            httponly=True, samesite="lax", secure=self.secure, path="/")

    def clear(self, response: Any) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                               secure=self.secure)


def session_of(request: Request) -> dict[str, Any]:
    """The request's session (read once, cached on the request); {} when none or invalid."""
    cached = getattr(request.state, "session", None)
    if cached is None:
        codec: SessionCodec = request.app.state.sessions
        cached = codec.loads(request.cookies.get(SESSION_COOKIE))
        request.state.session = cached
    return dict(cached)


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def _session_uid(session: dict[str, Any]) -> int | None:
    try:
        return int(session["uid"])
    except (KeyError, TypeError, ValueError):
        return None


def _session_actor(request: Request, session: dict[str, Any]) -> Actor | None:
    """The session's user as the database has them now (cached on the request); None when the
    session has no user or the user is gone or deactivated."""
    if hasattr(request.state, "session_actor"):
        cached: Actor | None = request.state.session_actor
        return cached
    uid = _session_uid(session)
    actor: Actor | None = None
    if uid is not None:
        try:
            actor = request.app.state.workbench.actor_for_user(uid)
        except AuthError:
            actor = None
    request.state.session_actor = actor
    return actor


def check_csrf(request: Request, session: dict[str, Any], form_token: str | None = None) -> None:
    """Refuse an unsafe request from the session without the session's CSRF token."""
    if request.method not in UNSAFE:
        return
    expected = str(session.get("csrf") or "")
    given = form_token if form_token is not None else request.headers.get("x-csrf-token", "")
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("missing or wrong CSRF token: send the form's csrf_token or the "
                        "X-CSRF-Token header")


def _note_user(request: Request, actor: Actor) -> Actor:
    request.state.user = actor.username
    return actor


def api_actor(request: Request) -> Actor:
    """Dependency of the JSON API: the bearer token's actor, else the session's (with CSRF on
    unsafe methods); AuthError (401) when neither."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        return _note_user(request, request.app.state.workbench.actor_for_token(token.strip()))
    session = session_of(request)
    if _session_uid(session) is None:
        raise AuthError("not authenticated: send 'Authorization: Bearer <token>' or log in")
    actor = _session_actor(request, session)
    if actor is None:
        raise AuthError("the session's user is unknown or deactivated: log in again")
    check_csrf(request, session)
    return _note_user(request, actor)


def page_actor(request: Request) -> Actor | None:
    """The page's actor: the session's user as the database has them now, or None (the page
    redirects to /login). Reads the database once per request: call it from a worker thread
    (sync routes) or through ``run_in_threadpool``."""
    actor = _session_actor(request, session_of(request))
    if actor is not None:
        _note_user(request, actor)
    return actor
