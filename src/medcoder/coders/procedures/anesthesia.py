"""Placeholder for the anesthesia rule family (being written); produces no lines yet."""

from __future__ import annotations

from medcoder.coders.procedures.common import Visit
from medcoder.result import CodeSuggestion


def code(visit: Visit) -> list[CodeSuggestion]:
    return []
