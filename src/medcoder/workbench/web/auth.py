"""Who is calling: a bearer token (the JSON API) or the page's session cookie, and CSRF.

    Authorization: Bearer mcw_...   the API; CSRF-exempt (a browser never sends it on its own)
    Cookie: mc_session=...          the page; signed (itsdangerous) with the settings' secret,
                                    HttpOnly, SameSite=Lax, Secure outside development, expires
                                    after ``session_minutes``. It holds the user id, name and role
                                    and a random CSRF token; nothing else.

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


def _session_actor(session: dict[str, Any]) -> Actor | None:
    try:
        return Actor(int(session["uid"]), str(session["u"]), str(session["r"]))
    except (KeyError, TypeError, ValueError):
        return None


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
    actor = _session_actor(session)
    if actor is None:
        raise AuthError("not authenticated: send 'Authorization: Bearer <token>' or log in")
    check_csrf(request, session)
    return _note_user(request, actor)


def page_actor(request: Request) -> Actor | None:
    """The page's actor from the session, or None (the page redirects to /login)."""
    actor = _session_actor(session_of(request))
    if actor is not None:
        _note_user(request, actor)
    return actor
