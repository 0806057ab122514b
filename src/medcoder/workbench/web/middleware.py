"""ASGI middleware of the workbench app: access log, rate limit, upload size limit.

    AccessLogMiddleware   one line per request: method, path (never the query string), status,
                          milliseconds, user (set by the auth dependencies) — never a body
    RateLimitMiddleware   fixed one-minute window per client (bearer token, else session, else IP)
                          -> 429 problem+json with Retry-After
    BodyLimitMiddleware   Content-Length over the limit -> 413 at once; a body streamed without
                          one is read up to the limit and refused with 413 past it
    UnexpectedErrorMiddleware  an exception medcoder did not expect (a bug) -> 500 problem+json,
                          logged with its type and frames only, and not re-raised: the
                          server's own error log would print the message, which could quote a note

They are plain ASGI (no BaseHTTPMiddleware) so that they cost little per request.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from medcoder.workbench.web.problems import problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["AccessLogMiddleware", "BodyLimitMiddleware", "RateLimitMiddleware", "UnexpectedErrorMiddleware",
           "client_key"]

access_log = logging.getLogger("medcoder.workbench.access")
_log = logging.getLogger("medcoder.workbench.web")
SESSION_COOKIE = "mc_session"
_EXEMPT = ("/healthz", "/static/")


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or ():
        if k == name:
            return bytes(v).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


def client_key(scope: Scope) -> str:
    """Who a request counts against: its bearer token, else its session cookie, else its IP
    (hashed: the key never holds a secret)."""
    auth = _header(scope, b"authorization")
    if auth and auth.lower().startswith("bearer "):
        return "t:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:24]
    session = _cookie(scope, SESSION_COOKIE)
    if session:
        return "s:" + hashlib.sha256(session.encode()).hexdigest()[:24]
    client = scope.get("client")
    return "ip:" + (str(client[0]) if client else "unknown")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = [500]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                user = (scope.get("state") or {}).get("user") or "-"
                ms = (time.perf_counter() - t0) * 1000
                access_log.info("%s %s %d %.1fms %s", scope.get("method"), scope.get("path"),
                                status[0], ms, user)


class RateLimitMiddleware:
    """At most ``per_minute`` requests per client in each clock minute (fixed window)."""

    def __init__(self, app: ASGIApp, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.per_minute = per_minute
        self.clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one request; the seconds to wait when over the limit, else None."""
        now = self.clock()
        window = int(now // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            n = self._counts.get(key, 0) + 1
            self._counts[key] = n
        if n > self.per_minute:
            return max(1, int(60 - now % 60 + 0.999))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.per_minute <= 0 or scope["path"].startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        wait = self.hit(client_key(scope))
        if wait is None:
            await self.app(scope, receive, send)
            return
        resp = problem(429, f"more than {self.per_minute} requests in a minute; retry in {wait} s",
                       code="MC429", headers={"Retry-After": str(wait)})
        await resp(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 problem+json."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> Any:
        return problem(413, f"the request body is larger than the limit of {self.max_bytes:,} bytes",
                       code="MC413")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await problem(400, "Content-Length is not an integer", code="MC400")(scope, receive, send)
                return
            if declared > self.max_bytes:
                await self._too_large()(scope, receive, send)
                return
        # read the body (declared or streamed) up to the limit, then replay it to the app
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # disconnect
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large()(scope, receive, send)
                return
            chunks.append(body)
            more = bool(message.get("more_body", False))
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive() -> Message:
            if replay:
                return replay.pop()
            return await receive()

        await self.app(scope, replay_receive, send)


class UnexpectedErrorMiddleware:
    """The innermost middleware: a bug in a route becomes a 500 problem (when the response has
    not started) and one log record with the exception's type and frames, never its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = [False]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                started[0] = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            import traceback

            frames = "".join(traceback.format_tb(exc.__traceback__))
            _log.error("unexpected %s on %s %s\n%s", type(exc).__name__, scope.get("method"),
                       scope.get("path"), frames)
            if not started[0]:
                resp = problem(500, "an unexpected error happened; it has been logged", code="MC500")
                await resp(scope, receive, send)
