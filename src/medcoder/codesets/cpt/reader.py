"""Query a licensed CPT descriptor table (imported by the user; medcoder ships none)."""

from __future__ import annotations

import re
from typing import Any

from medcoder.codesets.cpt.codes import card_without_licence, normalize
from medcoder.codesets.sqlite_table import SqliteTable


class CptReader(SqliteTable):
    """Reader over one installed CPT release (``tables/cpt/<release>/table.sqlite``)."""

    what = "CPT"
    reimport = "re-import your licensed file"

    def descriptor(self, code: str) -> str | None:
        """The licensed descriptor of ``code``, or None when the file does not list it."""
        row = self._con.execute(
            "SELECT descriptor FROM descriptors WHERE code = ?", (normalize(code),)
        ).fetchone()
        return str(row[0]) if row else None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.descriptor(code) is not None

    def count(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM descriptors").fetchone()[0])

    def codes(self) -> list[str]:
        return [r[0] for r in self._con.execute("SELECT code FROM descriptors ORDER BY code")]

    def search(self, text: str, *, limit: int = 25) -> list[tuple[str, str]]:
        """``(code, descriptor)`` pairs whose descriptor holds every word of ``text``."""
        words = [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w]
        if not words:
            return []
        sql = "SELECT code, descriptor FROM descriptors WHERE 1=1"
        args: list[Any] = []
        for w in words:
            sql += " AND lower(descriptor) LIKE ?"
            args.append(f"%{w}%")
        sql += " ORDER BY code LIMIT ?"
        args.append(limit)
        return [(str(c), str(d)) for c, d in self._con.execute(sql, args)]

    def card(self, code: str) -> dict[str, Any] | None:
        """Number, family, medcoder's label, and the licensed descriptor (None when unlisted)."""
        desc = self.descriptor(code)
        if desc is None:
            return None
        out = card_without_licence(code)
        if out is None:  # pragma: no cover - the builder only stores CPT-shaped codes
            return None
        out["descriptor"] = desc
        out["title"] = desc
        out["title_source"] = f"licensed CPT file ({self.release})"
        out["release"] = self.release
        out.pop("licence_note", None)
        return out


Reader = CptReader
