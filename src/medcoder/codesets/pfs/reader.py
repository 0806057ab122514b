"""Query the physician fee schedule tables: RVUs, GPCIs, anesthesia CFs, localities, ZIP codes.

Each reader opens its ``table.sqlite`` read-only on first use. Payment amounts are computed in
:mod:`medcoder.codesets.pfs.payment`; these readers only answer what the CMS files say.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from medcoder.codesets.pfs import layout as L
from medcoder.codesets.store import TableInfo
from medcoder.errors import DataError, InputError

_LOCALITY_KEY = re.compile(r"^(\d{4,5})\s*[-/:. ]\s*(\d{1,2})$")


def parse_locality_key(value: str) -> tuple[str, str]:
    """``"13202-01"`` (also ``13202/01``, ``13202 01``, ``1320201``) -> ``("13202", "01")``."""
    text = value.strip()
    if text.isdigit() and len(text) == 7:
        return text[:5], text[5:]
    m = _LOCALITY_KEY.match(text)
    if m:
        return m.group(1).zfill(5), m.group(2).zfill(2)
    raise InputError(
        f"locality {value!r} is not MAC-LOCALITY (e.g. 13202-01 for Manhattan); give the 5-digit "
        "MAC (carrier) number and the 2-digit locality number"
    )


def _num(v: str | None) -> float | None:
    return float(v) if v is not None else None


def _cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _dec(v: str | None) -> Decimal | None:
    return Decimal(v) if v is not None else None


class _SqliteReader:
    """Lazy read-only connection to ``table.sqlite`` and its ``meta`` table."""

    def __init__(self, path: Path, info: TableInfo) -> None:
        self.path = Path(path)
        self.info = info
        self._con: sqlite3.Connection | None = None

    @property
    def release(self) -> str:
        return self.info.release

    @property
    def con(self) -> sqlite3.Connection:
        if self._con is None:
            db = self.path / "table.sqlite"
            if not db.is_file():
                raise DataError(f"{self.info.kind} {self.info.release} has no table.sqlite; re-import it", where=db)
            self._con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
        return self._con

    @cached_property
    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.con.execute("SELECT key, value FROM meta")}

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


# -- pfs-rvu -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RvuRow:
    """One (code, modifier) row of the PPRRVU file."""

    code: str
    modifier: str
    description: str | None
    status: str
    not_used_for_payment: bool
    work_rvu: Decimal
    nf_pe_rvu: Decimal
    nf_na: bool
    f_pe_rvu: Decimal
    f_na: bool
    mp_rvu: Decimal
    nf_total: Decimal | None
    f_total: Decimal | None
    pctc: str
    global_days: str
    pre_op: Decimal | None = None
    intra_op: Decimal | None = None
    post_op: Decimal | None = None
    mult_proc: str | None = None
    bilat: str | None = None
    asst: str | None = None
    co_surg: str | None = None
    team: str | None = None
    endo_base: str | None = None
    conv_factor: Decimal | None = None
    supervision: str | None = None
    calc_flag: str | None = None
    imaging_family: str | None = None
    opps_nf_pe: Decimal | None = None
    opps_f_pe: Decimal | None = None
    opps_mp: Decimal | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def status_meaning(self) -> str:
        return L.STATUS[self.status]

    @property
    def paid_under_fee_schedule(self) -> bool:
        """Status A, R or T: the README's statuses whose RVUs are used for payment."""
        return self.status in L.PAYABLE_STATUS

    def indicators(self) -> dict[str, Any]:
        """Every policy indicator with its meaning."""

        def m(table: dict[str, str], v: str | None) -> dict[str, str | None] | None:
            return {"code": v, "meaning": table.get(v)} if v is not None else None

        return {
            "pctc": m(L.PCTC, self.pctc),
            "global_days": m(L.GLOBAL_DAYS, self.global_days),
            "multiple_procedure": m(L.MULT_PROC, self.mult_proc),
            "bilateral_surgery": m(L.BILATERAL, self.bilat),
            "assistant_at_surgery": m(L.ASSISTANT, self.asst),
            "co_surgeons": m(L.CO_SURGEONS, self.co_surg),
            "team_surgery": m(L.TEAM, self.team),
            "endoscopic_base_code": self.endo_base,
            "physician_supervision": m(L.SUPERVISION, self.supervision),
            "diagnostic_imaging_family": m(L.IMAGING_FAMILY, self.imaging_family),
            "calculation_flag": self.calc_flag,
        }

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "modifier": self.modifier or None,
            "status": {
                "code": self.status,
                "meaning": self.status_meaning,
                "paid_under_fee_schedule": self.paid_under_fee_schedule,
            },
            "rvus_not_used_for_payment": self.not_used_for_payment,
            "work_rvu": float(self.work_rvu),
            "non_facility_pe_rvu": float(self.nf_pe_rvu),
            "non_facility_na": self.nf_na,
            "facility_pe_rvu": float(self.f_pe_rvu),
            "facility_na": self.f_na,
            "mp_rvu": float(self.mp_rvu),
            "non_facility_total": _num(str(self.nf_total)) if self.nf_total is not None else None,
            "facility_total": _num(str(self.f_total)) if self.f_total is not None else None,
            "global_surgery_split": {
                "pre_op": _num(str(self.pre_op)) if self.pre_op is not None else None,
                "intra_op": _num(str(self.intra_op)) if self.intra_op is not None else None,
                "post_op": _num(str(self.post_op)) if self.post_op is not None else None,
            },
            "conversion_factor_in_file": _num(str(self.conv_factor)) if self.conv_factor is not None else None,
            "opps_cap_rvus": {
                "non_facility_pe": _num(str(self.opps_nf_pe)) if self.opps_nf_pe is not None else None,
                "facility_pe": _num(str(self.opps_f_pe)) if self.opps_f_pe is not None else None,
                "mp": _num(str(self.opps_mp)) if self.opps_mp is not None else None,
            },
            "indicators": self.indicators(),
        }
        cf = self.conv_factor
        if self.paid_under_fee_schedule and cf and self.nf_total is not None and self.f_total is not None:
            out["national_amount"] = {
                "non_facility": float(_cents(self.nf_total * cf)),
                "facility": float(_cents(self.f_total * cf)),
                "basis": "total RVUs x the RVU file's conversion factor (all GPCIs 1.0, before any OPPS cap)",
            }
        if self.not_used_for_payment:
            out["rvus_note"] = L.NOT_USED_FOR_PAYMENT
        if self.extra:
            out["other_columns"] = dict(self.extra)
        return out


_RVU_COLS = (
    "code, modifier, description, status, not_used_for_payment, work_rvu, nf_pe_rvu, nf_na, f_pe_rvu, "
    "f_na, mp_rvu, nf_total, f_total, pctc, global_days, pre_op, intra_op, post_op, mult_proc, bilat, "
    "asst, co_surg, team, endo_base, conv_factor, supervision, calc_flag, imaging_family, opps_nf_pe, "
    "opps_f_pe, opps_mp, extra"
)
_MOD_ORDER = {"": 0, "26": 1, "TC": 2, "53": 3}


def _rvu_row(r: tuple[Any, ...]) -> RvuRow:
    return RvuRow(
        code=r[0], modifier=r[1], description=r[2], status=r[3], not_used_for_payment=bool(r[4]),
        work_rvu=Decimal(r[5]), nf_pe_rvu=Decimal(r[6]), nf_na=bool(r[7]), f_pe_rvu=Decimal(r[8]),
        f_na=bool(r[9]), mp_rvu=Decimal(r[10]), nf_total=_dec(r[11]), f_total=_dec(r[12]), pctc=r[13],
        global_days=r[14], pre_op=_dec(r[15]), intra_op=_dec(r[16]), post_op=_dec(r[17]),
        mult_proc=r[18], bilat=r[19], asst=r[20], co_surg=r[21], team=r[22], endo_base=r[23],
        conv_factor=_dec(r[24]), supervision=r[25], calc_flag=r[26], imaging_family=r[27],
        opps_nf_pe=_dec(r[28]), opps_f_pe=_dec(r[29]), opps_mp=_dec(r[30]),
        extra=json.loads(r[31]) if r[31] else {},
    )


class RvuReader(_SqliteReader):
    """The national RVU file of one quarterly release (``pfs-rvu``)."""

    def get(self, code: str, modifier: str | None = None) -> RvuRow | None:
        """The row for ``code`` with ``modifier`` ('' or None for the global row, 26, TC, 53)."""
        row = self.con.execute(
            f"SELECT {_RVU_COLS} FROM rvu WHERE code = ? AND modifier = ?",
            (code.strip().upper(), (modifier or "").strip().upper()),
        ).fetchone()
        return _rvu_row(row) if row else None

    def rows(self, code: str) -> list[RvuRow]:
        """Every row for ``code``: global first, then 26, TC, 53 (read once per code)."""
        c = code.strip().upper()
        cache: dict[str, list[RvuRow]] = self.__dict__.setdefault("_rows_cache", {})
        hit = cache.get(c)
        if hit is None:
            found = [_rvu_row(r) for r in self.con.execute(f"SELECT {_RVU_COLS} FROM rvu WHERE code = ?", (c,))]
            hit = sorted(found, key=lambda r: (_MOD_ORDER.get(r.modifier, 9), r.modifier))
            cache[c] = hit
        return list(hit)

    def codes_with_status(self, status: str) -> list[str]:
        return [
            r[0]
            for r in self.con.execute(
                "SELECT DISTINCT code FROM rvu WHERE status = ? ORDER BY code", (status.strip().upper(),)
            )
        ]

    def count(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM rvu").fetchone()[0])

    def card(self, code: str) -> dict[str, Any] | None:
        """The fee schedule facts for ``code``: every row (global, 26, TC, 53) with decoded indicators."""
        rows = self.rows(code)
        if not rows:
            return None
        first = rows[0]
        level2 = first.code[0].isalpha() and first.code[0] != "D"
        return {
            "system": "HCPCS" if first.code[0].isalpha() else "CPT",
            "code": first.code,
            "title": first.description if level2 else None,
            "source": "CMS national physician fee schedule relative value file (PPRRVU)",
            "kind": "pfs-rvu",
            "release": self.release,
            "effective": {"from": self.info.effective_from, "to": self.info.effective_to},
            "status": {
                "code": first.status,
                "meaning": first.status_meaning,
                "paid_under_fee_schedule": first.paid_under_fee_schedule,
            },
            "has_professional_technical_split": any(r.modifier in ("26", "TC") for r in rows),
            "rows": [r.as_dict() for r in rows],
        }


# -- pfs-gpci ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gpci:
    """The geographic practice cost indices of one locality."""

    mac: str
    locality: str
    state: str | None
    name: str
    pw_floor: Decimal | None
    pw_no_floor: Decimal | None
    pw: Decimal | None
    pe: Decimal
    mp: Decimal
    marks: str | None = None

    @property
    def key(self) -> str:
        return f"{self.mac}-{self.locality}"

    @property
    def work(self) -> tuple[Decimal, str]:
        """The work GPCI used for payment and which column it came from."""
        if self.pw_floor is not None:
            return self.pw_floor, "work GPCI with the 1.0 floor"
        if self.pw is not None:
            return self.pw, "work GPCI"
        if self.pw_no_floor is not None:
            return self.pw_no_floor, "work GPCI without the 1.0 floor (the file has no floored column)"
        raise DataError(f"locality {self.key} has no work GPCI; re-import the GPCI file")

    def as_dict(self) -> dict[str, Any]:
        return {
            "mac": self.mac,
            "locality": self.locality,
            "key": self.key,
            "state": self.state,
            "name": self.name,
            "footnote_marks": self.marks,
            "work_gpci_with_floor": _num(str(self.pw_floor)) if self.pw_floor is not None else None,
            "work_gpci_without_floor": _num(str(self.pw_no_floor)) if self.pw_no_floor is not None else None,
            "work_gpci": _num(str(self.pw)) if self.pw is not None else None,
            "pe_gpci": float(self.pe),
            "mp_gpci": float(self.mp),
        }


_GPCI_COLS = "mac, locality, state, name, pw_floor, pw_no_floor, pw, pe, mp, marks"


def _gpci(r: tuple[Any, ...]) -> Gpci:
    return Gpci(
        mac=r[0], locality=r[1], state=r[2], name=r[3], pw_floor=_dec(r[4]), pw_no_floor=_dec(r[5]),
        pw=_dec(r[6]), pe=Decimal(r[7]), mp=Decimal(r[8]), marks=r[9],
    )


class GpciReader(_SqliteReader):
    """GPCIs by MAC and locality (``pfs-gpci``)."""

    def get(self, mac: str, locality: str) -> Gpci | None:
        key = (mac.strip().zfill(5), locality.strip().zfill(2))
        memo: dict[tuple[str, str], Gpci | None] = self.__dict__.setdefault("_memo", {})
        if key not in memo:  # about 110 localities: every claim's locality is asked for again
            r = self.con.execute(
                f"SELECT {_GPCI_COLS} FROM gpci WHERE mac = ? AND locality = ?", key
            ).fetchone()
            memo[key] = _gpci(r) if r else None
        return memo[key]

    def all(self) -> list[Gpci]:
        return [_gpci(r) for r in self.con.execute(f"SELECT {_GPCI_COLS} FROM gpci ORDER BY state, mac, locality")]

    def find(self, name: str, state: str | None = None) -> list[Gpci]:
        """Localities whose name contains ``name`` (case-insensitive), optionally in ``state``."""
        words = name.strip().upper()
        return [
            g for g in self.all()
            if words in g.name.upper() and (state is None or (g.state or "") == state.strip().upper())
        ]

    def card(self, code: str) -> dict[str, Any] | None:
        try:
            mac, loc = parse_locality_key(code)
        except InputError:
            return None
        g = self.get(mac, loc)
        if g is None:
            return None
        return {"system": "Medicare locality", "code": g.key, "title": g.name, "release": self.release, **g.as_dict()}


# -- pfs-anes ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnesCF:
    mac: str
    locality: str
    name: str
    cf: Decimal
    cf_apm: Decimal | None = None
    marks: str | None = None

    @property
    def key(self) -> str:
        return f"{self.mac}-{self.locality}"


class AnesReader(_SqliteReader):
    """Anesthesia conversion factors by contractor and locality (``pfs-anes``)."""

    def get(self, mac: str, locality: str) -> AnesCF | None:
        r = self.con.execute(
            "SELECT mac, locality, name, cf, cf_apm, marks FROM anes WHERE mac = ? AND locality = ?",
            (mac.strip().zfill(5), locality.strip().zfill(2)),
        ).fetchone()
        if r is None:
            return None
        return AnesCF(mac=r[0], locality=r[1], name=r[2], cf=Decimal(r[3]), cf_apm=_dec(r[4]), marks=r[5])

    def all(self) -> list[AnesCF]:
        return [
            AnesCF(mac=r[0], locality=r[1], name=r[2], cf=Decimal(r[3]), cf_apm=_dec(r[4]), marks=r[5])
            for r in self.con.execute("SELECT mac, locality, name, cf, cf_apm, marks FROM anes ORDER BY line")
        ]

    def find(self, name: str) -> list[AnesCF]:
        """Localities whose name contains ``name`` (case-insensitive)."""
        words = name.strip().upper()
        return [a for a in self.all() if words in a.name.upper()]

    @property
    def national_cf(self) -> Decimal | None:
        v = self.meta.get("national_cf")
        return Decimal(v) if v else None

    def card(self, code: str) -> dict[str, Any] | None:
        try:
            mac, loc = parse_locality_key(code)
        except InputError:
            return None
        a = self.get(mac, loc)
        if a is None:
            return None
        return {
            "system": "Medicare locality", "code": a.key, "title": a.name, "release": self.release,
            "anesthesia_cf": float(a.cf), "anesthesia_cf_apm": _num(str(a.cf_apm)) if a.cf_apm is not None else None,
            "national_anesthesia_cf": _num(str(self.national_cf)) if self.national_cf is not None else None,
        }


# -- pfs-locality --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Area:
    """One row of the locality/county crosswalk."""

    mac: str
    locality: str
    state_name: str
    state: str | None
    area: str
    counties: str
    marks: str | None = None

    @property
    def key(self) -> str:
        return f"{self.mac}-{self.locality}"

    @property
    def county_list(self) -> list[str]:
        parts = re.split(r",|;|/|\bAND\b", self.counties.upper())
        return [" ".join(p.split()) for p in parts if p.strip()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "mac": self.mac, "locality": self.locality, "key": self.key, "state": self.state,
            "state_name": self.state_name, "fee_schedule_area": self.area, "counties": self.counties,
            "footnote_marks": self.marks,
        }


class LocalityReader(_SqliteReader):
    """Which counties each locality covers (``pfs-locality``)."""

    def _areas(self, where: str, args: tuple[Any, ...]) -> list[Area]:
        return [
            Area(*r)
            for r in self.con.execute(
                f"SELECT mac, locality, state_name, state, area, counties, marks FROM area {where} ORDER BY line",
                args,
            )
        ]

    def areas(self, mac: str, locality: str) -> list[Area]:
        return self._areas("WHERE mac = ? AND locality = ?", (mac.strip().zfill(5), locality.strip().zfill(2)))

    def search(self, county: str | None = None, state: str | None = None) -> list[Area]:
        """Areas in ``state`` (postal code or name) whose county list names ``county``.

        A state's "ALL OTHER COUNTIES" / "ALL COUNTIES" row answers any county of that state
        when no row names it.
        """
        rows = self._areas("", ())
        if state:
            s = " ".join(state.strip().upper().split())
            rows = [a for a in rows if s in (a.state or "", a.state_name)]
        if not county:
            return rows
        c = " ".join(county.strip().upper().replace("COUNTY", "").split())
        named = [a for a in rows if any(c == p or p.startswith(c + " ") for p in a.county_list)]
        if named or not state:
            return named
        return [a for a in rows if "ALL" in a.counties.upper().split()]

    def card(self, code: str) -> dict[str, Any] | None:
        try:
            mac, loc = parse_locality_key(code)
        except InputError:
            return None
        found = self.areas(mac, loc)
        if not found:
            return None
        return {
            "system": "Medicare locality", "code": found[0].key, "title": found[0].area, "release": self.release,
            "areas": [a.as_dict() for a in found],
        }


# -- pfs-zip -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ZipLocality:
    """What the ZIP5 file says about one ZIP code."""

    zip: str
    state: str
    carrier: str
    locality: str
    rural: str | None
    lab_cb_locality: str | None
    rural2: str | None
    plus_four: bool
    part_b_payment: str | None

    @property
    def key(self) -> str:
        return f"{self.carrier}-{self.locality}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "zip": self.zip,
            "state": self.state,
            "carrier": self.carrier,
            "locality": self.locality,
            "locality_key": self.key,
            "rural": {"code": self.rural, "meaning": L.RURAL.get(self.rural or "")},
            "lab_competitive_bid_locality": {
                "code": self.lab_cb_locality, "meaning": L.LAB_CB.get(self.lab_cb_locality or ""),
            },
            "rural_2006": self.rural2,
            "split_by_zip_plus_four": self.plus_four,
            "part_b_payment_indicator": self.part_b_payment,
        }


class ZipReader(_SqliteReader):
    """ZIP code to carrier and locality (``pfs-zip``)."""

    def get(self, zip_code: str) -> ZipLocality | None:
        z = zip_code.strip()[:5]
        memo: dict[str, ZipLocality | None] = self.__dict__.setdefault("_memo", {})
        if z in memo:  # a practice bills from a few ZIP codes: remembered (bounded)
            return memo[z]
        if len(memo) > 50_000:
            memo.clear()
        memo[z] = found = self._get(z)
        return found

    def _get(self, z: str) -> ZipLocality | None:
        r = self.con.execute(
            "SELECT zip, state, carrier, locality, rural, lab_cb_locality, rural2, plus_four, part_b_payment "
            "FROM zip WHERE zip = ?",
            (z,),
        ).fetchone()
        if r is None:
            return None
        return ZipLocality(
            zip=r[0], state=r[1], carrier=r[2], locality=r[3], rural=r[4], lab_cb_locality=r[5],
            rural2=r[6], plus_four=bool(r[7]), part_b_payment=r[8],
        )

    def in_locality(self, mac: str, locality: str) -> list[str]:
        return [
            r[0]
            for r in self.con.execute(
                "SELECT zip FROM zip WHERE carrier = ? AND locality = ? ORDER BY zip",
                (mac.strip().zfill(5), locality.strip().zfill(2)),
            )
        ]

    def card(self, code: str) -> dict[str, Any] | None:
        if not re.fullmatch(r"\d{5}(-?\d{4})?", code.strip()):
            return None
        z = self.get(code)
        if z is None:
            return None
        return {"system": "ZIP code", "code": z.zip, "title": f"Medicare locality {z.key}", "release": self.release, **z.as_dict()}
