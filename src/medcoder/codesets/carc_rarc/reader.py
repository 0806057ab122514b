"""Query a remittance code list: look a code up, check it is usable on a date, search the wording."""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from medcoder.codesets.sqlite_table import SqliteTable
from medcoder.dates import parse_date

from .layout import LISTS, RemitList, normalize


def _d(v: str | None) -> _dt.date | None:
    return _dt.date.fromisoformat(v) if v else None


@dataclass(frozen=True)
class RemitCode:
    """One code of a remittance code list, with the dates X12 prints for it."""

    kind: str  # the list: carc, rarc, claim-adjustment-groups, claim-status, plb-reasons
    code: str
    description: str
    start: _dt.date | None = None
    stop: _dt.date | None = None  # the last date it may be used in an original transaction
    last_modified: _dt.date | None = None
    notes: str | None = None
    groups: tuple[str, ...] = ()  # CARC: the only group codes it may be used with
    line: int = field(default=0, compare=False)

    def active_on(self, on: _dt.date) -> bool:
        """Usable in an original transaction dated ``on``: on or after Start, not after Stop."""
        if self.start is not None and on < self.start:
            return False
        return self.stop is None or on <= self.stop

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "description": self.description,
            "start": self.start.isoformat() if self.start else None,
            "stop": self.stop.isoformat() if self.stop else None,
            "last_modified": self.last_modified.isoformat() if self.last_modified else None,
            "notes": self.notes,
            "groups": list(self.groups),
        }


_COLS = "code, description, start, stop, modified, notes, groups, line"


class RemitCodeReader(SqliteTable):
    """Reader over one installed list (``tables/<kind>/<release>/table.sqlite``)."""

    what = "remittance code"

    @property
    def kind(self) -> str:
        return self.info.kind if self.info else str(self.meta["kind"])

    @property
    def code_list(self) -> RemitList:
        return LISTS[self.kind]

    def _row(self, r: tuple[Any, ...]) -> RemitCode:
        return RemitCode(
            kind=self.kind,
            code=r[0],
            description=r[1],
            start=_d(r[2]),
            stop=_d(r[3]),
            last_modified=_d(r[4]),
            notes=r[5],
            groups=tuple(json.loads(r[6])),
            line=int(r[7]),
        )

    # -- lookups ---------------------------------------------------------------------------
    def get(self, code: str) -> RemitCode | None:
        r = self._con.execute(
            f"SELECT {_COLS} FROM codes WHERE code = ?", (normalize(self.code_list, code),)
        ).fetchone()
        return self._row(r) if r else None

    def is_active(self, code: str, on: _dt.date | str | None = None) -> bool:
        """True when the list has the code and it is usable on ``on`` (today when omitted).

        For a remittance the date that matters is the 835's (the adjudication), not the date
        of service. A code whose list prints no dates is taken as usable.
        """
        c = self.get(code)
        return c is not None and c.active_on(parse_date(on, field="date"))

    def all(self) -> list[RemitCode]:
        return [self._row(r) for r in self._con.execute(f"SELECT {_COLS} FROM codes ORDER BY ord")]

    def count(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM codes").fetchone()[0])

    def search(
        self, text: str, *, limit: int = 25, active_on: _dt.date | str | None = None
    ) -> list[RemitCode]:
        """Codes whose description or notes hold every word of ``text`` (a code matches itself)."""
        words = [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w]
        if not words:
            return []
        exact = self.get(text) if text.strip() else None
        sql = f"SELECT {_COLS} FROM codes WHERE 1=1"
        args: list[Any] = []
        for w in words:
            sql += " AND (lower(description) LIKE ? OR lower(coalesce(notes, '')) LIKE ?)"
            args += [f"%{w}%", f"%{w}%"]
        sql += " ORDER BY ord"
        found = [self._row(r) for r in self._con.execute(sql, args)]
        if exact is not None:
            found = [exact, *[c for c in found if c.code != exact.code]]
        if active_on is not None:
            d = parse_date(active_on, field="date")
            found = [c for c in found if c.active_on(d)]
        return found[:limit]

    # -- code card ---------------------------------------------------------------------------
    def card(self, code: str) -> dict[str, Any] | None:
        c = self.get(code)
        if c is None:
            return None
        today = _dt.date.today()
        out: dict[str, Any] = {
            "system": self.code_list.system,
            "code": c.code,
            "title": c.description,
            "list": self.code_list.title,
            "release": self.release,
            "start": c.start.isoformat() if c.start else None,
            "stop": c.stop.isoformat() if c.stop else None,
            "last_modified": c.last_modified.isoformat() if c.last_modified else None,
            "usable_today": c.active_on(today),
        }
        if c.notes:
            out["notes"] = c.notes
        if c.groups:
            out["use_only_with_groups"] = list(c.groups)
        if not self.meta.get("dated", True):
            out["dates_note"] = "the imported list prints no Start/Stop dates"
        return out
