"""Query ``msdrg-weights``: relative weight and mean lengths of stay of one MS-DRG."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from medcoder.codesets.sqlite_table import SqliteTable


@dataclass(frozen=True)
class DrgWeight:
    drg: str
    mdc: str | None
    type: str | None  # MED | SURG
    title: str | None
    weight: Decimal
    gmlos: Decimal  # geometric mean length of stay (days)
    amlos: Decimal  # arithmetic mean length of stay (days)
    post_acute: bool  # subject to the post-acute care transfer policy
    special_pay: bool  # special payment method for post-acute transfers

    def as_dict(self) -> dict[str, Any]:
        return {
            "drg": self.drg, "mdc": self.mdc, "type": self.type, "title": self.title,
            "weight": str(self.weight), "geometric_mean_los": str(self.gmlos),
            "arithmetic_mean_los": str(self.amlos), "post_acute_drg": self.post_acute,
            "special_pay_drg": self.special_pay,
        }


class DrgWeightsReader(SqliteTable):
    what = "MS-DRG weights"
    reimport = "re-import it with `medcoder data import msdrg-weights FILE`"

    def get(self, drg: str | int) -> DrgWeight | None:
        key = str(drg).strip().zfill(3)
        r = self._con.execute(
            "SELECT drg, mdc, type, title, weight, gmlos, amlos, post_acute, special_pay FROM weights WHERE drg = ?",
            (key,),
        ).fetchone()
        if r is None:
            return None
        return DrgWeight(r[0], r[1], r[2], r[3], Decimal(r[4]), Decimal(r[5]), Decimal(r[6]), bool(r[7]), bool(r[8]))

    def count(self) -> int:
        return int(self._con.execute("SELECT COUNT(*) FROM weights").fetchone()[0])

    def card(self, drg: str) -> dict[str, Any] | None:
        w = self.get(drg)
        if w is None:
            return None
        return {**w.as_dict(), "kind": "msdrg-weights", "release": self.release,
                "source": "CMS IPPS Table 5"}
