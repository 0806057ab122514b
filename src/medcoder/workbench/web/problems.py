"""problem+json (RFC 9457) for every error the web layer returns.

    {"type": "urn:medcoder:problem:MC404", "title": "Not found", "status": 404,
     "detail": "encounter 7 not found", "code": "MC404", "where": null}

Every ``MedcoderError`` maps to its ``status`` (``InputError`` 422, see
``medcoder.workbench.errors.http_status``); unknown routes are 404, request validation 422, an
unexpected error 500 without detail. No message ever carries note text: error messages never do
(the project's rule), and validation problems list the field and what was expected, never the
value sent.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import JSONResponse

from medcoder.errors import MedcoderError
from medcoder.workbench.errors import http_status

__all__ = ["PROBLEM_MEDIA_TYPE", "ProblemResponse", "problem", "problem_for_error"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_log = logging.getLogger("medcoder.workbench.web")

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal error",
}
#: codes for problems that are not a MedcoderError (routing, validation, unexpected)
_HTTP_CODES = {
    400: "MC400",
    401: "MC401",
    403: "MC403",
    404: "MC404",
    405: "MC405",
    409: "MC409",
    413: "MC413",
    415: "MC415",
    422: "MC100",
    429: "MC429",
    500: "MC500",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    where: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> ProblemResponse:
    """A problem+json response."""
    code = code or _HTTP_CODES.get(status, f"MC{status}")
    body: dict[str, Any] = {
        "type": f"urn:medcoder:problem:{code}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if where is not None:
        body["where"] = where
    if extra:
        body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def problem_for_error(exc: MedcoderError, *, headers: dict[str, str] | None = None) -> ProblemResponse:
    """The problem for a medcoder error: its status, code, message and where."""
    status = http_status(exc)
    if status >= 500:
        _log.error("%s %s", exc.code, exc.message)
    return problem(status, exc.message, code=exc.code, where=exc.where, headers=headers)


def validation_problem(errors: list[Any]) -> ProblemResponse:
    """422 for a request that failed validation: field and what was expected, never the value."""
    fields = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        fields.append({"field": loc, "expected": str(e.get("msg", "a valid value")),
                       "type": str(e.get("type", ""))})
    detail = "; ".join(f"{f['field']}: {f['expected']}" for f in fields) or "the request is not valid"
    return problem(422, detail, code="MC100", extra={"errors": fields})
