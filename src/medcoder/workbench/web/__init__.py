"""The workbench's web layer (FastAPI): the JSON API, problem+json errors, the page.

    from medcoder.workbench.web import create_app
    app = create_app()          # nothing is opened until the app starts (lifespan)
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(settings: Any = None, *, workbench: Any = None) -> Any:
    """See ``medcoder.workbench.web.app.create_app`` (imported here lazily)."""
    from medcoder.workbench.web.app import create_app as _create

    return _create(settings, workbench=workbench)
