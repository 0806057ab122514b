"""What the Alphabetic Index reader returns: index entries, walks and search hits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Term:
    """One main term or subterm as printed in the Index (or a row of a table).

    ``title`` is printed text with the nonessential modifiers in parentheses
    (``Diabetes, diabetic (mellitus) (sugar)``); ``plain`` leaves them out
    (``Diabetes, diabetic``); ``path`` holds the plain titles from the main term down to
    this entry. ``manif`` are manifestation codes, printed in brackets after ``code`` and
    reported second. ``see`` sends the coder elsewhere; ``see_also`` points to more entries;
    ``seecat``/``subcat`` send the coder to a Tabular category/subcategory.
    """

    id: int
    parent_id: int | None
    level: int  # 0 for a main term
    letter: str
    title: str
    plain: str
    modifiers: tuple[str, ...]
    code: str | None
    manif: tuple[str, ...]
    see: str | None
    see_also: str | None
    seecat: str | None
    subcat: str | None
    path: tuple[str, ...]
    n_children: int
    size: int = 0  # entries below this one
    main_id: int = 0  # the main term this entry sits under (its own id for a main term)
    manif_note: str | None = None
    warning: str | None = None
    cells: dict[str, str | None] = field(default_factory=dict)

    @property
    def is_main(self) -> bool:
        return self.level == 0

    @property
    def path_text(self) -> str:
        """The path as a coder writes it: ``Diabetes, diabetic > with > chronic kidney disease``."""
        return " > ".join(self.path)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path), "title": self.title}
        for name in ("code", "see", "see_also", "seecat", "subcat", "manif_note", "warning"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.manif:
            out["manif"] = list(self.manif)
        if self.modifiers:
            out["modifiers"] = list(self.modifiers)
        if self.cells:
            out["cells"] = dict(self.cells)
        return out


@dataclass(frozen=True)
class WalkStep:
    """One move of a walk: ``how`` is ``match`` (the step named this entry), ``connective``
    (passed through a ``with``/``in``/``due to`` subterm the coder did not name) or ``see``
    (jumped here by following a see reference)."""

    term: Term
    how: str
    asked: str | None = None


@dataclass(frozen=True)
class WalkResult:
    """Where walking a term path led.

    ``found`` is true when every step matched an entry. ``code``/``manif``/``cells`` come
    from the entry reached (``term``), after following any ``see`` it carried. ``trail``
    lists every entry visited in order; ``followed`` the see references followed;
    ``see_also`` every see-also met on the way; ``unresolved_see`` a see reference that could
    not be followed (``see condition``); ``unmatched`` the steps no entry answered.
    """

    query: tuple[str, ...]
    found: bool
    term: Term | None
    code: str | None
    manif: tuple[str, ...]
    trail: tuple[WalkStep, ...]
    followed: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()
    unresolved_see: str | None = None
    seecat: str | None = None
    subcat: str | None = None
    unmatched: tuple[str, ...] = ()
    cells: dict[str, str | None] = field(default_factory=dict)

    @property
    def followed_see(self) -> bool:
        return bool(self.followed)

    @property
    def path(self) -> tuple[str, ...]:
        return self.term.path if self.term else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": list(self.query),
            "found": self.found,
            "path": list(self.path),
            "code": self.code,
            "manif": list(self.manif),
            "cells": dict(self.cells),
            "followed": list(self.followed),
            "see_also": list(self.see_also),
            "unresolved_see": self.unresolved_see,
            "seecat": self.seecat,
            "subcat": self.subcat,
            "unmatched": list(self.unmatched),
            "trail": [{"path": list(s.term.path), "how": s.how} for s in self.trail],
        }


@dataclass(frozen=True)
class IndexHit:
    """A search result: the entry, what it leads to, and why it ranked where it did.

    ``see_code`` is the code reached by following the entry's ``see`` reference, when it
    carries one and it can be followed. ``matched`` are the query words the entry's path
    answered; ``score`` orders the hits (higher is better).
    """

    term: Term
    score: float
    matched: tuple[str, ...]
    see_code: str | None = None
    see_path: tuple[str, ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        return self.term.path

    @property
    def code(self) -> str | None:
        return self.term.code

    @property
    def manif(self) -> tuple[str, ...]:
        return self.term.manif

    @property
    def see(self) -> str | None:
        return self.term.see

    @property
    def see_also(self) -> str | None:
        return self.term.see_also

    @property
    def cells(self) -> dict[str, str | None]:
        return self.term.cells

    def to_dict(self) -> dict[str, Any]:
        out = self.term.to_dict()
        out["score"] = round(self.score, 3)
        out["matched"] = list(self.matched)
        if self.see_code:
            out["see_code"] = self.see_code
            out["see_path"] = list(self.see_path)
        return out
