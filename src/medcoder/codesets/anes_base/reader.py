"""Query ``anes-base-units``: the base units of an anesthesia code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medcoder.codesets.sqlite_table import SqliteTable


class AnesBaseReader(SqliteTable):
    what = "anesthesia base units"
    reimport = "re-import it with `medcoder data import anes-base-units FILE`"

    def base_units(self, code: str) -> Decimal | None:
        row = self._con.execute(
            "SELECT base_units FROM base_units WHERE code = ?", (code.strip().upper(),)
        ).fetchone()
        return Decimal(row[0]) if row else None

    def count(self) -> int:
        return int(self._con.execute("SELECT COUNT(*) FROM base_units").fetchone()[0])

    def card(self, code: str) -> dict[str, Any] | None:
        units = self.base_units(code)
        if units is None:
            return None
        return {
            "code": code.strip().upper(),
            "kind": "anes-base-units",
            "release": self.release,
            "base_units": str(units),
            "source": "CMS anesthesia base units file",
        }
