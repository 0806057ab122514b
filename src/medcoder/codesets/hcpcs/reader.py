"""Query the HCPCS Level II table: codes, modifiers, dates in force, drug dosage and units."""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from medcoder.codesets.hcpcs import layout as L
from medcoder.codesets.hcpcs.dosage import units_for
from medcoder.codesets.sqlite_table import SqliteTable
from medcoder.dates import parse_date
from medcoder.errors import InputError, UnknownCodeError


@dataclass(frozen=True)
class HcpcsCode:
    """One HCPCS Level II procedure or modifier as the CMS file describes it."""

    code: str
    kind: str  # procedure | modifier
    long_desc: str
    short_desc: str
    pricing: tuple[str, ...] = ()
    mult_pricing: str | None = None
    coverage: str | None = None
    betos: str | None = None
    tos: tuple[str, ...] = ()
    xref: tuple[str, ...] = ()
    cim: tuple[str, ...] = ()
    mcm: tuple[str, ...] = ()
    statute: str | None = None
    lab_cert: tuple[str, ...] = ()
    asc_group: str | None = None
    asc_date: _dt.date | None = None
    proc_note: str | None = None
    anes_units: int | None = None
    add_date: _dt.date | None = None
    action_date: _dt.date | None = None
    term_date: _dt.date | None = None
    action_code: str | None = None
    dosage: dict[str, Any] | None = field(default=None, compare=False)

    def active_on(self, dos: _dt.date) -> bool:
        """In force on ``dos``: on or after the add date, and not after the termination date."""
        if self.add_date is not None and dos < self.add_date:
            return False
        return not (self.term_date is not None and dos > self.term_date)


_COLS = (
    "code, kind, long_desc, short_desc, pricing, mult_pricing, coverage, betos, tos, xref, cim, "
    "mcm, statute, lab_cert, asc_group, asc_date, proc_note, anes_units, add_date, action_date, "
    "term_date, "
    "action_code, dose_amount, dose_unit"
)


def _d(v: str | None) -> _dt.date | None:
    return _dt.date.fromisoformat(v) if v else None


def _row(r: tuple[Any, ...]) -> HcpcsCode:
    amount = r[22]
    dose = None
    if amount is not None:
        dose = {"amount": int(amount) if float(amount).is_integer() else amount, "unit": r[23]}
    return HcpcsCode(
        code=r[0],
        kind=r[1],
        long_desc=r[2],
        short_desc=r[3],
        pricing=tuple(json.loads(r[4])),
        mult_pricing=r[5],
        coverage=r[6],
        betos=r[7],
        tos=tuple(json.loads(r[8])),
        xref=tuple(json.loads(r[9])),
        cim=tuple(json.loads(r[10])),
        mcm=tuple(json.loads(r[11])),
        statute=r[12],
        lab_cert=tuple(json.loads(r[13])),
        asc_group=r[14],
        asc_date=_d(r[15]),
        proc_note=r[16],
        anes_units=r[17],
        add_date=_d(r[18]),
        action_date=_d(r[19]),
        term_date=_d(r[20]),
        action_code=r[21],
        dosage=dose,
    )


def normalize(code: str) -> str:
    """``j1100`` → ``J1100``; ``-rt`` / ``rt`` → ``RT`` (modifiers)."""
    return code.strip().upper().lstrip("-").replace(" ", "")


def _meaning(table: dict[str, str], code: str | None) -> dict[str, str | None] | None:
    if not code:
        return None
    return {"code": code, "meaning": table.get(code)}


class HcpcsReader(SqliteTable):
    """Reader over one installed HCPCS release (``tables/hcpcs/<release>/table.sqlite``)."""

    what = "HCPCS"

    # -- lookups ---------------------------------------------------------------------------
    def get(self, code: str) -> HcpcsCode | None:
        """The procedure (or modifier) with this code, or None."""
        r = self._con.execute(
            f"SELECT {_COLS} FROM codes WHERE code = ?", (normalize(code),)
        ).fetchone()
        return _row(r) if r else None

    def _require(self, code: str) -> HcpcsCode:
        c = self.get(code)
        if c is None:
            raise UnknownCodeError(f"{normalize(code)} is not in the HCPCS {self.release} file")
        return c

    def is_active(self, code: str, dos: _dt.date | str) -> bool:
        """True when the code is in the file and in force on ``dos`` (add/termination dates)."""
        c = self.get(code)
        return c is not None and c.active_on(parse_date(dos, field="date of service"))

    def modifiers(self) -> list[HcpcsCode]:
        rows = self._con.execute(f"SELECT {_COLS} FROM codes WHERE kind = 'modifier' ORDER BY code")
        return [_row(r) for r in rows]

    def modifier(self, code: str) -> HcpcsCode | None:
        c = self.get(code)
        return c if c is not None and c.kind == "modifier" else None

    def procedures(self) -> list[HcpcsCode]:
        rows = self._con.execute(
            f"SELECT {_COLS} FROM codes WHERE kind = 'procedure' ORDER BY code"
        )
        return [_row(r) for r in rows]

    def search(self, text: str, *, limit: int = 25, kind: str | None = None) -> list[HcpcsCode]:
        """Codes whose long or short description holds every word of ``text``.

        A code typed as ``text`` comes first.
        """
        words = [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w]
        if not words:
            return []
        exact = self.get(text)
        sql = f"SELECT {_COLS} FROM codes WHERE 1=1"
        args: list[Any] = []
        for w in words:
            sql += " AND (lower(long_desc) LIKE ? OR lower(short_desc) LIKE ?)"
            args += [f"%{w}%", f"%{w}%"]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        sql += " ORDER BY code LIMIT ?"
        args.append(limit)
        found = [_row(r) for r in self._con.execute(sql, args)]
        if exact is not None and (kind is None or exact.kind == kind):
            found = [exact, *[c for c in found if c.code != exact.code]][:limit]
        return found

    def count(self, kind: str | None = None) -> int:
        if kind:
            return int(
                self._con.execute("SELECT count(*) FROM codes WHERE kind = ?", (kind,)).fetchone()[
                    0
                ]
            )
        return int(self._con.execute("SELECT count(*) FROM codes").fetchone()[0])

    # -- drugs -----------------------------------------------------------------------------
    def dosage(self, code: str) -> dict[str, Any] | None:
        """What one unit of a drug code stands for (``{"amount": 1, "unit": "mg"}``), or None."""
        c = self.get(code)
        return dict(c.dosage) if c is not None and c.dosage else None

    def units_for_dose(self, code: str, dose: float | int | str, unit: str | None = None) -> int:
        """Units of service for a dose given to the patient, rounded up.

        ``units_for_dose("J1100", "8 mg")`` → 8 (billed per 1 mg); ``("J1885", 25, "mg")`` → 2
        (per 15 mg); ``("J3420", "1 mg")`` → 1 (up to 1000 mcg). Raises ``UnknownCodeError``
        for a code not in the file and ``InputError`` when the code has no dosage or the dose
        cannot be converted to its unit.
        """
        c = self._require(code)
        if not c.dosage:
            raise InputError(
                f"{c.code} has no billing dosage in its description ({c.short_desc!r}); "
                f"units of service cannot be computed from a dose"
            )
        return units_for(c.dosage, dose, unit, code=c.code)

    # -- code card -------------------------------------------------------------------------
    def card(self, code: str) -> dict[str, Any] | None:
        c = self.get(code)
        if c is None:
            return None
        out: dict[str, Any] = {
            "system": "HCPCS",
            "code": c.code,
            "title": c.long_desc,
            "short_title": c.short_desc,
            "kind": "modifier" if c.kind == "modifier" else "HCPCS Level II code",
            "release": self.release,
            "added": c.add_date.isoformat() if c.add_date else None,
            "terminated": c.term_date.isoformat() if c.term_date else None,
            "action": {
                "code": c.action_code,
                "meaning": L.ACTION.get(c.action_code or ""),
                "effective": c.action_date.isoformat() if c.action_date else None,
            },
            "pricing": [{"code": p, "meaning": L.PRICING.get(p)} for p in c.pricing],
            "multiple_pricing": _meaning(L.MULTIPLE_PRICING, c.mult_pricing),
            "coverage": _meaning(L.COVERAGE, c.coverage),
            "betos": _meaning(L.BETOS, c.betos),
            "type_of_service": [{"code": t, "meaning": L.TYPE_OF_SERVICE.get(t)} for t in c.tos],
        }
        if c.dosage:
            out["dosage"] = dict(c.dosage)
        if c.xref:
            out["cross_reference"] = list(c.xref)
        if c.anes_units:
            out["anesthesia_base_units"] = c.anes_units
        if c.asc_group:
            out["asc_group"] = c.asc_group
            out["asc_group_effective"] = c.asc_date.isoformat() if c.asc_date else None
        if c.proc_note:
            out["processing_note"] = c.proc_note
        if c.cim:
            out["coverage_issues_manual"] = list(c.cim)
        if c.mcm:
            out["carriers_manual"] = list(c.mcm)
        if c.statute:
            out["statute"] = c.statute
        if c.lab_cert:
            out["lab_certification"] = list(c.lab_cert)
        return out


Reader = HcpcsReader
