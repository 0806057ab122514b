"""The workbench web application: ``create_app(settings=None, *, workbench=None) -> FastAPI``.

    app = create_app()                      # settings from MEDCODER_* (checked), opened in lifespan
    app = create_app(settings, workbench=wb)  # an open Workbench the caller owns (tests)

Nothing happens at import or in ``create_app`` beyond building the routes: the lifespan opens
the Workbench (migrating its database) and starts its coding threads, and closes it at shutdown.
A workbench given by the caller is used as is (neither migrated, started nor closed here).

    /healthz            liveness (no auth, not rate limited)
    /api/v1/...         the JSON API (``api.py``), bearer token or session + CSRF
    /fhir/$submit       FHIR Bundle submission
    /  /login  /encounters/{id} ...   the page (``pages.py``)
    /static/...         app.js, app.css
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from medcoder.errors import MedcoderError
from medcoder.workbench.settings import Settings
from medcoder.workbench.web.problems import problem, problem_for_error, validation_problem

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent
_log = logging.getLogger("medcoder.workbench.web")


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "title": "Problem",
        "description": "RFC 9457 problem details; `code` is medcoder's stable error code.",
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "integer"}, "detail": {"type": "string"},
            "code": {"type": "string", "examples": ["MC404"]},
            "where": {"type": "string"},
        },
        "required": ["type", "title", "status", "detail", "code"],
    }


def create_app(settings: Settings | None = None, *, workbench: Any = None) -> FastAPI:
    """The FastAPI app; see the module docstring."""
    from medcoder import __version__
    from medcoder.workbench.web import api
    from medcoder.workbench.web.auth import SessionCodec
    from medcoder.workbench.web.middleware import (
        AccessLogMiddleware,
        BodyLimitMiddleware,
        RateLimitMiddleware,
        UnexpectedErrorMiddleware,
    )
    from medcoder.workbench.web.pages import error_response
    from medcoder.workbench.web.pages import router as pages_router

    settings = (settings or Settings.from_env()).check()
    owned = workbench is None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owned:
            from medcoder.workbench.service import Workbench

            app.state.workbench = Workbench.open(settings)
            if settings.job_threads > 0:
                app.state.workbench.start_workers(settings.job_threads)
        try:
            yield
        finally:
            if owned:
                app.state.workbench.close()

    app = FastAPI(
        title="medcoder workbench",
        version=__version__,
        description="Review medcoder's suggested codes, decide, build and release claims, "
                    "match remittances. Errors are application/problem+json with a stable `code`.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.workbench = workbench
    app.state.kb = None
    app.state.sessions = SessionCodec(settings.secret_key, settings.session_minutes * 60,
                                      secure=settings.env == "production")

    @app.exception_handler(MedcoderError)
    async def _medcoder_error(request: Request, exc: MedcoderError) -> Any:
        return error_response(request, problem_for_error(exc), exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Any:
        return validation_problem(list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404:
            detail = f"no such route: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return error_response(request, problem(exc.status_code, detail,
                                                      headers=dict(exc.headers) if exc.headers else None), None)

    @app.get("/healthz", operation_id="health", tags=["health"])
    def healthz() -> dict[str, Any]:
        """Liveness: the app is up (no auth)."""
        return {"status": "ok", "version": __version__}

    app.include_router(api.router)
    app.include_router(api.fhir_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _problem_schema()
        schema["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "an API token (mcw_...)"}}
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    # outermost first: access log sees every response, the rate limit runs before the body is read
    app.add_middleware(UnexpectedErrorMiddleware)  # innermost: the access log still sees the 500
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes)
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(AccessLogMiddleware)
    return app
