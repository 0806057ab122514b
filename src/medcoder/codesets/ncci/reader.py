"""Query the NCCI tables: PTP code-pair edits and MUE unit limits.

A PTP edit is in force on a date of service when its effective date is on or before it, it has
no deletion date or the deletion date is on or after it (CMS prints the last day an edit
applies, e.g. ``20231231``), and its modifier indicator is not 9 (9 marks an edit deleted
retroactively: it never applies). The table of a quarterly release holds every edit CMS still
lists, deleted ones included, so an older date of service is answered from its own dates.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from medcoder.codesets.sqlite_table import SqliteTable
from medcoder.dates import parse_date

from .layout import MAI, MODIFIER_INDICATOR, MUE_SETTINGS, PTP_SETTINGS

CARD_EDITS = 40  # pairs listed on a code card (the counts cover all of them)


def normalize(code: str) -> str:
    """``j1100`` → ``J1100``."""
    return code.strip().upper()


def _d(v: int | None) -> _dt.date | None:
    if v is None:
        return None
    return _dt.date(v // 10000, v // 100 % 100, v % 100)


def _n(d: _dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


class _Table(SqliteTable):
    """One installed NCCI table (``tables/<kind>/<release>/table.sqlite``), opened lazily."""

    what = "NCCI"

    @property
    def setting(self) -> str:
        return str(self.meta.get("setting", ""))

    def _as_of(self) -> _dt.date:
        """Today, kept inside the release's own dates (what a code card counts as in force)."""
        today = _dt.date.today()
        if self.info is None:
            return today
        if today < self.info.start:
            return self.info.start
        end = self.info.end
        return end if end is not None and today > end else today


# -- PTP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PtpEdit:
    """One NCCI procedure-to-procedure edit: column 2 is not paid when reported with column 1."""

    column1: str
    column2: str
    effective: _dt.date
    deleted: _dt.date | None  # the last day the edit applies; None while in force
    modifier_indicator: int  # 0 not allowed, 1 allowed, 9 not applicable
    rationale: str
    prior_1996: bool
    setting: str  # practitioner | hospital
    part: int = field(default=0, compare=False)
    line: int = field(default=0, compare=False)

    @property
    def modifier_meaning(self) -> str:
        return MODIFIER_INDICATOR[self.modifier_indicator]

    @property
    def modifier_allowed(self) -> bool:
        """True when an NCCI-associated modifier may bypass the edit (indicator 1)."""
        return self.modifier_indicator == 1

    def active_on(self, dos: _dt.date) -> bool:
        if self.modifier_indicator == 9 or dos < self.effective:
            return False
        return self.deleted is None or dos <= self.deleted

    def other(self, code: str) -> str:
        """The code paired with ``code`` in this edit."""
        return self.column2 if normalize(code) == self.column1 else self.column1

    def to_dict(self) -> dict[str, Any]:
        return {
            "column1": self.column1,
            "column2": self.column2,
            "effective": self.effective.isoformat(),
            "deleted": self.deleted.isoformat() if self.deleted else None,
            "modifier_indicator": self.modifier_indicator,
            "modifier_meaning": self.modifier_meaning,
            "modifier_allowed": self.modifier_allowed,
            "rationale": self.rationale,
            "prior_1996": self.prior_1996,
            "setting": self.setting,
            "source": {"part": self.part, "line": self.line},
        }


_PTP_COLS = (
    "p.column1, p.column2, p.effective, p.deleted, p.modifier, r.text, p.prior_1996, p.part, p.line"
)
_PTP_FROM = "FROM ptp p JOIN rationales r ON r.id = p.rationale"
_IN_FORCE = "p.modifier != 9 AND p.effective <= ? AND (p.deleted IS NULL OR p.deleted >= ?)"


class PtpReader(_Table):
    """NCCI PTP edits of one setting and quarterly release.

    ``edit(a, b, dos)`` finds the edit in force between two codes in either order;
    ``edits_for(code, dos)`` every edit a code is in; ``edits_among(codes, dos)`` the edits
    that apply between the codes of one claim; ``history(a, b)`` every line CMS lists for the
    pair, deleted ones included.
    """

    what = "NCCI PTP"

    def _edit(self, r: tuple[Any, ...]) -> PtpEdit:
        return PtpEdit(
            column1=r[0],
            column2=r[1],
            effective=_d(r[2]) or _dt.date.min,
            deleted=_d(r[3]),
            modifier_indicator=int(r[4]),
            rationale=r[5],
            prior_1996=bool(r[6]),
            setting=self.setting,
            part=int(r[7]),
            line=int(r[8]),
        )

    @property
    def parts(self) -> list[int]:
        """The parts of the CMS release loaded (``[1, 2, 3, 4]`` when complete)."""
        return [int(p) for p in self.meta.get("parts", [])]

    def count(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM ptp").fetchone()[0])

    def edit(
        self, code1: str, code2: str, dos: _dt.date | str | None = None
    ) -> PtpEdit | None:
        """The edit in force on ``dos`` between the two codes (in either order), or None."""
        a, b = normalize(code1), normalize(code2)
        if a == b:
            return None
        d = _n(parse_date(dos, field="date of service"))
        r = self._con.execute(
            f"SELECT {_PTP_COLS} {_PTP_FROM} WHERE ((p.column1 = ? AND p.column2 = ?) OR "
            f"(p.column1 = ? AND p.column2 = ?)) AND {_IN_FORCE} ORDER BY p.effective DESC LIMIT 1",
            (a, b, b, a, d, d),
        ).fetchone()
        return self._edit(r) if r else None

    def history(self, code1: str, code2: str) -> list[PtpEdit]:
        """Every line listed for the pair, in force or not, newest first."""
        a, b = normalize(code1), normalize(code2)
        rows = self._con.execute(
            f"SELECT {_PTP_COLS} {_PTP_FROM} WHERE (p.column1 = ? AND p.column2 = ?) OR "
            f"(p.column1 = ? AND p.column2 = ?) ORDER BY p.effective DESC",
            (a, b, b, a),
        )
        return [self._edit(r) for r in rows]

    def edits_for(
        self, code: str, dos: _dt.date | str | None = None, *, column: int | None = None
    ) -> list[PtpEdit]:
        """The edits in force on ``dos`` with ``code`` in column 1 or 2 (or only ``column``)."""
        c = normalize(code)
        d = _n(parse_date(dos, field="date of service"))
        out: list[PtpEdit] = []
        for col in (1, 2):
            if column is not None and column != col:
                continue
            order = "p.column2" if col == 1 else "p.column1"
            rows = self._con.execute(
                f"SELECT {_PTP_COLS} {_PTP_FROM} WHERE p.column{col} = ? AND {_IN_FORCE} "
                f"ORDER BY {order}, p.effective DESC",
                (c, d, d),
            )
            out.extend(self._edit(r) for r in rows)
        return out

    def edits_among(
        self, codes: list[str] | tuple[str, ...] | set[str], dos: _dt.date | str | None = None
    ) -> list[PtpEdit]:
        """The edits in force on ``dos`` between any two of ``codes`` (one claim's lines)."""
        cs = sorted({normalize(c) for c in codes})
        if len(cs) < 2:
            return []
        d = _n(parse_date(dos, field="date of service"))
        marks = ",".join("?" * len(cs))
        rows = self._con.execute(
            f"SELECT {_PTP_COLS} {_PTP_FROM} WHERE p.column1 IN ({marks}) AND p.column2 IN ({marks}) "
            f"AND p.column1 != p.column2 AND {_IN_FORCE} ORDER BY p.column1, p.column2",
            (*cs, *cs, d, d),
        )
        return [self._edit(r) for r in rows]

    def card(self, code: str) -> dict[str, Any] | None:
        c = normalize(code)
        total = self._con.execute(
            "SELECT (SELECT count(*) FROM ptp WHERE column1 = ?) + (SELECT count(*) FROM ptp WHERE column2 = ?)",
            (c, c),
        ).fetchone()[0]
        if not total:
            return None
        as_of = self._as_of()
        edits = self.edits_for(c, as_of)
        words = PTP_SETTINGS.get(self.setting, ("", self.setting))[1]
        col1 = [e for e in edits if e.column1 == c]
        listed = [
            {
                "code": e.other(c),
                "role": "column 1 (paid)" if e.column2 == c else "column 2 (denied)",
                "column1": e.column1,
                "column2": e.column2,
                "modifier_indicator": e.modifier_indicator,
                "modifier_allowed": e.modifier_allowed,
                "effective": e.effective.isoformat(),
                "rationale": e.rationale,
            }
            for e in edits[:CARD_EDITS]
        ]
        return {
            "system": "NCCI PTP",
            "code": c,
            "title": f"NCCI procedure-to-procedure edits, {words} ({self.release})",
            "setting": self.setting,
            "release": self.release,
            "as_of": as_of.isoformat(),
            "in_force": len(edits),
            "as_column1": len(col1),
            "as_column2": len(edits) - len(col1),
            "not_in_force": int(total) - len(edits),
            "edits": listed,
            "more_edits": max(0, len(edits) - CARD_EDITS),
            "parts_loaded": self.parts,
        }


# -- MUE ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mue:
    """The medically unlikely edit of one code: the most units of service on a line or a day."""

    code: str
    value: int
    mai: int  # 1 line edit, 2 date of service (policy), 3 date of service (clinical)
    rationale: str
    setting: str  # practitioner | hospital | dme

    @property
    def mai_meaning(self) -> str:
        return MAI[self.mai]

    @property
    def per_day(self) -> bool:
        """True when the units of every line of the date of service are added up (MAI 2 and 3)."""
        return self.mai in (2, 3)

    def allows(self, units: int) -> bool:
        return units <= self.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "value": self.value,
            "mai": self.mai,
            "mai_meaning": self.mai_meaning,
            "rationale": self.rationale,
            "setting": self.setting,
        }


class MueReader(_Table):
    """The MUE table of one setting (practitioner, outpatient hospital, DME supplier) and quarter."""

    what = "NCCI MUE"

    def count(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM mue").fetchone()[0])

    def mue(self, code: str, dos: _dt.date | str | None = None) -> Mue | None:
        """The MUE of ``code`` in this release, or None when the table has none for it.

        ``dos`` is checked as a date; the release itself is the one the knowledge base chose for
        the date of service (``kb.open("mue-practitioner", dos)``).
        """
        parse_date(dos, field="date of service")
        r = self._con.execute(
            "SELECT code, value, mai, rationale FROM mue WHERE code = ?", (normalize(code),)
        ).fetchone()
        if r is None:
            return None
        return Mue(code=r[0], value=int(r[1]), mai=int(r[2]), rationale=r[3], setting=self.setting)

    def card(self, code: str) -> dict[str, Any] | None:
        m = self.mue(code)
        if m is None:
            return None
        words = MUE_SETTINGS.get(self.setting, ("", "", self.setting))[2]
        return {
            "system": "NCCI MUE",
            "code": m.code,
            "title": f"Medically unlikely edit, {words} ({self.release})",
            "setting": self.setting,
            "release": self.release,
            "effective_from": self.info.effective_from if self.info else self.meta.get("effective"),
            "effective_to": self.info.effective_to if self.info else None,
            "mue_value": m.value,
            "mai": m.mai,
            "mai_meaning": m.mai_meaning,
            "rationale": m.rationale,
        }
