"""Errors raised by the workbench; each carries an HTTP ``status`` for the web layer.

    MedcoderError
    ├── InputError (MC100..)   bad payload (malformed FHIR/HL7/JSON, bad field)   status 422
    └── WorkbenchError         base of the errors below
        ├── AuthError (MC401)     not logged in, bad password, bad or revoked token
        ├── Forbidden (MC403)     the actor's role may not do this action
        ├── NotFound (MC404)      unknown encounter / job / user / token id
        ├── Conflict (MC409)      a stale version, a wrong status for the action, a name taken
        ├── TooLarge (MC413)      an upload over ``Settings.max_upload_bytes``
        ├── RateLimited (MC429)   too many requests (raised by the web middleware)
        └── ConfigError (MC250)   settings refused (a default or missing secret outside development)

Messages never contain note text.
"""

from __future__ import annotations

from medcoder.errors import InputError, MedcoderError

__all__ = [
    "AuthError",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "TooLarge",
    "WorkbenchError",
    "http_status",
]


class WorkbenchError(MedcoderError):
    code = "MC400"
    status = 400


class AuthError(WorkbenchError):
    code = "MC401"
    status = 401


class Forbidden(WorkbenchError):
    code = "MC403"
    status = 403


class NotFound(WorkbenchError):
    code = "MC404"
    status = 404


class Conflict(WorkbenchError):
    code = "MC409"
    status = 409


class TooLarge(WorkbenchError):
    code = "MC413"
    status = 413


class RateLimited(WorkbenchError):
    code = "MC429"
    status = 429


class ConfigError(WorkbenchError):
    code = "MC250"
    status = 500


def http_status(exc: BaseException) -> int:
    """The HTTP status for an error: its ``status``, 422 for an InputError, else 500."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    if isinstance(exc, InputError):
        return 422
    return 500
