"""The coding workbench: a store of encounters, a job queue, events, security and a service.

    from medcoder.workbench import Settings, Workbench
    wb = Workbench.open(Settings.from_env())

Nothing heavy happens at import; SQLAlchemy and Alembic are imported when a workbench opens.
"""

from __future__ import annotations

from medcoder.workbench.errors import (
    AuthError,
    ConfigError,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    TooLarge,
)
from medcoder.workbench.security import ROLES, Actor
from medcoder.workbench.service import Workbench
from medcoder.workbench.settings import Settings

__all__ = [
    "ROLES",
    "Actor",
    "AuthError",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "Settings",
    "TooLarge",
    "Workbench",
]
