"""Medicare allowed amounts under the physician fee schedule, with the full breakdown.

Fee schedule amount (CMS RVU README, "formula for payment amount")::

    [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)] x conversion factor

with the facility or non-facility PE RVU, rounded to the cent (half up). For imaging codes the
README's OPPS cap applies (Deficit Reduction Act of 2005, section 5102(b)): the same formula
with the file's "PE/MP used for OPPS payment amount" RVUs, and the lower amount is paid.

Modifier adjustments applied to one line (Medicare Claims Processing Manual, chapter 12):
50 by the bilateral indicator (150%, or 100%, or 100% each side), 80/81/82 assistant at surgery
16% (AS 85% of that), 62 co-surgeons 62.5% each; 66 team surgery is paid by report. Rules that
need the other lines of the claim (multiple procedure ranking, same-day injection bundling of
status T) are described in the result's notices and indicators, not applied.

Anesthesia (chapter 12, section 50): (base units + time units + modifying units) x the
locality's anesthesia conversion factor; time units = minutes / 15 rounded to one decimal place
(section 50.G).
Base units come from the CMS anesthesia base units file, which medcoder does not load: the
caller supplies them.

Each result says which releases, locality and conversion factor (with the rule that set it)
were used, and carries a notice whenever a table is not the one in force on the date of service.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.pfs import layout as L
from medcoder.codesets.pfs.factors import ConversionFactor, factor_for
from medcoder.codesets.pfs.reader import (
    AnesCF,
    AnesReader,
    Gpci,
    GpciReader,
    RvuReader,
    RvuRow,
    ZipReader,
    parse_locality_key,
)
from medcoder.dates import parse_date
from medcoder.errors import InputError, UnknownCodeError

CENT = Decimal("0.01")
_CODE = re.compile(r"^[A-Z0-9]{5}$")
_MOD = re.compile(r"^[A-Z0-9]{2}$")
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
ASSISTANT_PCT = Decimal("0.16")
NPP_ASSISTANT_PCT = Decimal("0.136")  # AS: 85% of the 16% assistant-at-surgery amount
CO_SURGEON_PCT = Decimal("0.625")
ANES_PERCENT = {
    "AA": Decimal(1), "QZ": Decimal(1), "QK": Decimal("0.5"), "QX": Decimal("0.5"), "QY": Decimal("0.5"),
}
ANES_INFORMATIONAL = {"G8", "G9", "QS", "23", "P1", "P2", "P3", "P4", "P5", "P6"}
NO_TIME_UNITS = frozenset({"01995", "01996"})
BASE_UNITS_NOTE = (
    "base units are supplied by the caller: CMS publishes them in the anesthesia base units file, "
    "which medcoder does not load"
)


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _s(x: Any) -> Any:
    """JSON-friendly: Decimals as exact strings, dates as ISO, containers recursively."""
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, _dt.date):
        return x.isoformat()
    if isinstance(x, dict):
        return {k: _s(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_s(v) for v in x]
    return x


@dataclass(frozen=True)
class LocalityUsed:
    """The payment locality an amount was computed for, and how it was found."""

    mac: str
    locality: str
    name: str | None
    state: str | None
    found_by: str  # "locality 13202-01", "ZIP 10001", "name 'MANHATTAN'"

    @property
    def key(self) -> str:
        return f"{self.mac}-{self.locality}"


@dataclass(frozen=True)
class Allowed:
    """A fee schedule amount with everything that went into it.

    ``amount`` is None when the code is not paid separately under the fee schedule (bundled,
    contractor priced, excluded, not valid for Medicare...) or the modifier is not payable for
    it; ``reason`` then says why.
    """

    code: str
    date_of_service: _dt.date
    modifier: str | None = None
    facility: bool = False
    apm: bool = False
    amount: Decimal | None = None
    reason: str | None = None
    fee_schedule_amount: Decimal | None = None  # before modifier adjustments
    unrounded: Decimal | None = None
    status: str | None = None
    status_meaning: str | None = None
    rvu_row_modifier: str | None = None  # the PPRRVU row used: None (global), 26, TC, 53
    rvus: dict[str, Decimal] = field(default_factory=dict)  # work, pe, mp
    pe_setting: str = "non-facility"
    gpcis: dict[str, Decimal] = field(default_factory=dict)  # work, pe, mp
    work_gpci_basis: str | None = None
    conversion_factor: Decimal | None = None
    conversion_factor_kind: str | None = None  # single | non_apm | apm | rvu-file
    conversion_factor_citation: str | None = None
    conversion_factor_source: str | None = None
    year: int = 0
    locality: LocalityUsed | None = None
    formula: str | None = None
    adjustments: list[str] = field(default_factory=list)
    opps_cap: dict[str, Any] | None = None
    indicators: dict[str, Any] = field(default_factory=dict)
    releases: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    @property
    def paid_separately(self) -> bool:
        return self.amount is not None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _s(asdict(self))
        if self.locality is not None:
            out["locality"]["key"] = self.locality.key
        out["paid_separately"] = self.paid_separately
        return out


@dataclass(frozen=True)
class AnesthesiaAllowed:
    """An anesthesia amount: units, the locality's anesthesia CF, and the result."""

    date_of_service: _dt.date
    base_units: Decimal
    time_minutes: Decimal
    time_units: Decimal
    modifying_units: Decimal
    total_units: Decimal
    modifier: str | None = None
    percent: Decimal = Decimal(1)
    conversion_factor: Decimal | None = None
    conversion_factor_basis: str | None = None
    amount: Decimal | None = None
    reason: str | None = None
    locality: LocalityUsed | None = None
    formula: str | None = None
    releases: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    base_units_source: str = BASE_UNITS_NOTE

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _s(asdict(self))
        if self.locality is not None:
            out["locality"]["key"] = self.locality.key
        return out


# -- locality ----------------------------------------------------------------------------------------
def _by_name(name: str, candidates: list[tuple[str, str, str]], where: str) -> tuple[str, str, str]:
    """Pick one (mac, locality, name) whose name matches ``name``; exact names win."""
    wanted = " ".join(name.strip().upper().split())
    exact = [c for c in candidates if c[2].upper() == wanted]
    pool = exact or candidates
    if len(pool) == 1:
        return pool[0]
    if not pool:
        raise UnknownCodeError(f"no locality named {name!r} in {where}; give MAC-LOCALITY (e.g. 13202-01)")
    listed = "; ".join(f"{m}-{loc} {n}" for m, loc, n in pool[:10])
    raise InputError(f"locality {name!r} matches several in {where}: {listed}; give MAC-LOCALITY")


def _locality_key(
    kb: KnowledgeBase,
    d: _dt.date,
    locality: str | None,
    zip_code: str | None,
    names: Any,
    releases: dict[str, str],
    notices: list[str],
) -> tuple[str, str, str, str | None]:
    """(mac, locality, found_by, state) from ``locality`` (key or name) or ``zip_code``."""
    if (locality is None) == (zip_code is None):
        raise InputError("give exactly one of locality= (e.g. '13202-01') or zip_code= (e.g. '10001')")
    if zip_code is not None:
        m = _ZIP.match(str(zip_code).strip())
        if not m:
            raise InputError(f"ZIP code {zip_code!r} is not 5 digits (or ZIP+4)")
        opened = kb.open("pfs-zip", d)
        releases["pfs-zip"] = opened.release
        if opened.notice:
            notices.append(opened.notice)
        zr: ZipReader = opened.reader
        z = zr.get(m.group(1))
        if z is None:
            raise UnknownCodeError(f"ZIP code {m.group(1)} is not in the ZIP5 file ({opened.release})")
        if z.plus_four:
            notices.append(
                f"ZIP {z.zip} is split between localities by ZIP+4 (plus four flag 1): the 5-digit "
                "file gives one of them; check the ZIP9 file for the full ZIP+4"
            )
        return z.carrier, z.locality, f"ZIP {z.zip}", z.state
    text = str(locality)
    try:
        mac, loc = parse_locality_key(text)
        return mac, loc, f"locality {mac}-{loc}", None
    except InputError:
        if not re.search(r"[A-Za-z]", text):
            raise
    mac, loc, _name = _by_name(text, names(), "the loaded localities")
    return mac, loc, f"name {text!r}", None


def _gpci_for(
    kb: KnowledgeBase, d: _dt.date, locality: str | None, zip_code: str | None,
    releases: dict[str, str], notices: list[str],
) -> tuple[Gpci, LocalityUsed]:
    """The locality's GPCIs on ``d``; asked once per (date, locality or ZIP) while the data dir is
    unchanged (``kb.memo``): a claim's lines share them."""
    key = ("pfs-gpci-for", d, locality, zip_code)
    hit = kb.memo.get(key)
    if hit is None:
        rel: dict[str, str] = {}
        notes: list[str] = []
        g, where = _gpci_lookup(kb, d, locality, zip_code, rel, notes)
        hit = kb.memo[key] = (g, where, tuple(rel.items()), tuple(notes))
    releases.update(hit[2])
    notices.extend(hit[3])
    return hit[0], hit[1]


def _gpci_lookup(
    kb: KnowledgeBase, d: _dt.date, locality: str | None, zip_code: str | None,
    releases: dict[str, str], notices: list[str],
) -> tuple[Gpci, LocalityUsed]:
    opened = kb.open("pfs-gpci", d)
    gr: GpciReader = opened.reader

    def names() -> list[tuple[str, str, str]]:
        return [(g.mac, g.locality, g.name) for g in gr.all()]

    mac, loc, how, state = _locality_key(kb, d, locality, zip_code, names, releases, notices)
    releases["pfs-gpci"] = opened.release
    if opened.notice:
        notices.append(opened.notice)
    g = gr.get(mac, loc)
    if g is None:
        raise UnknownCodeError(f"locality {mac}-{loc} is not in the GPCI file ({opened.release})")
    return g, LocalityUsed(mac=mac, locality=loc, name=g.name, state=g.state or state, found_by=how)


# -- physician fee schedule ---------------------------------------------------------------------------
def _factor(kb: KnowledgeBase, d: _dt.date, apm: bool, row: RvuRow, rvu_meta: dict[str, Any], notices: list[str]) -> tuple[Decimal, ConversionFactor | None]:
    factor, fnotes = factor_for(d, apm=apm, data_dir=kb.store.root)
    notices.extend(fnotes)
    if factor is None:
        if row.conv_factor is None:
            raise InputError(f"no conversion factor is known for {d.isoformat()} and the RVU file carries none")
        notices.append(f"used the conversion factor printed in the RVU file ({row.conv_factor})")
        return row.conv_factor, None
    in_file = row.conv_factor
    same_year = rvu_meta.get("year") == d.year
    if not same_year and rvu_meta.get("year"):
        notices.append(
            f"the RVUs are from CY{rvu_meta['year']} but the conversion factor is CY{d.year}'s "
            f"({factor.cf}): import the CY{d.year} RVU file for an exact amount"
        )
    if (
        same_year and in_file is not None and factor.kind in ("single", "non_apm")
        and not rvu_meta.get("qpp_file") and in_file != factor.cf
    ):
        notices.append(
            f"the RVU file's conversion factor ({in_file}) differs from the CY{d.year} {factor.kind} "
            f"conversion factor used ({factor.cf}, {factor.source}); check for a mid-year change"
        )
    return factor.cf, factor


def _missing_row_reason(code: str, mod: str, rows: list[RvuRow]) -> str:
    ref = rows[0]
    if mod in ("26", "TC"):
        return (
            f"{code} has no {mod} row: PC/TC indicator {ref.pctc} ({L.PCTC.get(ref.pctc, 'unknown')}); "
            f"modifier {mod} does not apply"
        )
    return (
        f"{code} has no separate RVUs with modifier 53 (only a few colonoscopy codes do); the "
        "contractor prices a discontinued procedure by individual consideration"
    )


def _modifier_adjustment(mod: str | None, row: RvuRow, notices: list[str]) -> tuple[Decimal | None, str | None, str | None]:
    """(percent of the fee schedule amount, adjustment text, reason when not payable)."""
    if mod is None or mod in ("26", "TC", "53"):
        return Decimal(1), None, None
    if mod == "50":
        b = row.bilat or "9"
        pct = {"0": Decimal(1), "1": Decimal("1.5"), "2": Decimal(1), "3": Decimal(2)}.get(b)
        if pct is None:
            notices.append(f"modifier 50: bilateral indicator {b} ({L.BILATERAL.get(b)}); paid as one side")
            return Decimal(1), None, None
        return pct, f"modifier 50, bilateral indicator {b}: {pct * 100:.0f}% ({L.BILATERAL[b]})", None
    if mod in ("80", "81", "82", "AS"):
        a = row.asst or "9"
        if a in ("1", "9"):
            return None, None, f"modifier {mod}: assistant at surgery indicator {a} ({L.ASSISTANT[a]})"
        if a == "0":
            notices.append(f"modifier {mod}: {L.ASSISTANT['0']}")
        pct = NPP_ASSISTANT_PCT if mod == "AS" else ASSISTANT_PCT
        who = "non-physician assistant at surgery: 85% of 16%" if mod == "AS" else "assistant at surgery: 16%"
        return pct, f"modifier {mod}, {who} (assistant indicator {a})", None
    if mod == "62":
        c = row.co_surg or "9"
        if c in ("0", "9"):
            return None, None, f"modifier 62: co-surgeon indicator {c} ({L.CO_SURGEONS[c]})"
        if c == "1":
            notices.append(f"modifier 62: {L.CO_SURGEONS['1']}")
        return CO_SURGEON_PCT, f"modifier 62, co-surgeons: 62.5% to each surgeon (indicator {c})", None
    if mod == "66":
        t = row.team or "9"
        return None, None, f"modifier 66: team surgery indicator {t} ({L.TEAM[t]}); no fee schedule amount"
    notices.append(
        f"modifier {mod} does not change the fee schedule amount computed here (its payment rules, if "
        "any, depend on the rest of the claim)"
    )
    return Decimal(1), None, None


def medicare_allowed(
    kb: KnowledgeBase,
    code: str,
    dos: _dt.date | str | None,
    *,
    locality: str | None = None,
    zip_code: str | None = None,
    modifier: str | None = None,
    facility: bool = False,
    apm: bool = False,
) -> Allowed:
    """The Medicare physician fee schedule amount for one line, with its full breakdown.

    ``locality`` is ``MAC-LOCALITY`` (``"13202-01"``, Manhattan) or a locality name from the
    GPCI file (``"MANHATTAN"``); or give ``zip_code``. ``facility`` selects the facility PE
    RVU (hospital, ASC, SNF...). ``apm`` selects the qualifying-APM conversion factor (CY2026+).
    """
    d = parse_date(dos, field="date of service")
    c = code.strip().upper()
    if not _CODE.match(c):
        raise InputError(f"code {code!r} is not a 5-character CPT/HCPCS code")
    mod = (modifier or "").strip().upper() or None
    if mod is not None and not _MOD.match(mod):
        raise InputError(f"modifier {modifier!r} is not 2 letters or digits")
    releases: dict[str, str] = {}
    notices: list[str] = []
    opened = kb.open("pfs-rvu", d)
    releases["pfs-rvu"] = opened.release
    if opened.notice:
        notices.append(opened.notice)
    rr: RvuReader = opened.reader
    rows = rr.rows(c)
    if not rows:
        raise UnknownCodeError(f"{c} is not in the physician fee schedule ({opened.release})")
    gpci, where = _gpci_for(kb, d, locality, zip_code, releases, notices)
    row_mod = mod if mod in ("26", "TC", "53") else ""
    row = next((r for r in rows if r.modifier == row_mod), None)
    # one Allowed is built at the end of each path (dataclasses.replace per step costs more than
    # the arithmetic: pricing asks this for every line)
    base: dict[str, Any] = dict(
        code=c, date_of_service=d, modifier=mod, facility=facility, apm=apm, year=d.year,
        pe_setting="facility" if facility else "non-facility", locality=where, releases=releases,
        notices=notices,
    )
    if row is None:
        ref = rows[0]
        return Allowed(
            **base, status=ref.status, status_meaning=ref.status_meaning, indicators=ref.indicators(),
            reason=_missing_row_reason(c, row_mod, rows),
        )
    pe = row.f_pe_rvu if facility else row.nf_pe_rvu
    wg, basis = gpci.work
    info: dict[str, Any] = dict(
        base, status=row.status, status_meaning=row.status_meaning, rvu_row_modifier=row.modifier or None,
        rvus={"work": row.work_rvu, "pe": pe, "mp": row.mp_rvu},
        gpcis={"work": wg, "pe": gpci.pe, "mp": gpci.mp}, work_gpci_basis=basis,
        indicators=row.indicators(),
    )
    if not row.paid_under_fee_schedule:
        extra = f"; {L.NOT_USED_FOR_PAYMENT}" if (row.work_rvu or pe or row.mp_rvu) else ""
        return Allowed(
            **info,
            reason=f"status {row.status}: {row.status_meaning}; no separate fee schedule amount{extra}",
        )
    if not (row.work_rvu or pe or row.mp_rvu):
        return Allowed(
            **info,
            reason=f"status {row.status}: {row.status_meaning}; the file has no {info['pe_setting']} RVUs "
            "for it, so there is no fee schedule amount to compute",
        )
    if row.status == "R":
        notices.append(f"status R: {row.status_meaning}")
    if row.status == "T":
        notices.append(f"status T: {row.status_meaning}")
    if facility and row.f_na:
        notices.append("facility NA: the facility PE RVU is published but the service is rarely or never done in a facility")
    if not facility and row.nf_na:
        notices.append(
            "non-facility NA: the service is rarely or never done outside a facility; the non-facility "
            "PE RVU shown is not a separate office rate"
        )
    cf, factor = _factor(kb, d, apm, row, rr.meta, notices)
    raw = (row.work_rvu * wg + pe * gpci.pe + row.mp_rvu * gpci.mp) * cf
    fee = cents(raw)
    formula = (
        f"[({row.work_rvu} x {wg}) + ({pe} x {gpci.pe}) + ({row.mp_rvu} x {gpci.mp})] x {cf} "
        f"= {raw.normalize():f} -> {fee}"
    )
    adjustments: list[str] = []
    opps_cap = None
    opps_pe = (row.opps_f_pe if facility else row.opps_nf_pe) or Decimal(0)
    opps_mp = row.opps_mp or Decimal(0)
    if opps_pe > 0 or opps_mp > 0:
        opps = cents((row.work_rvu * wg + opps_pe * gpci.pe + opps_mp * gpci.mp) * cf)
        opps_cap = {"pe_rvu": opps_pe, "mp_rvu": opps_mp, "amount": opps, "applied": opps < fee}
        if opps < fee:
            adjustments.append(f"OPPS imaging cap (DRA 2005 section 5102(b)): {fee} capped at {opps}")
            fee = opps
    pct, text, not_paid = _modifier_adjustment(mod, row, notices)
    out: dict[str, Any] = dict(
        info, fee_schedule_amount=fee, unrounded=raw, formula=formula, opps_cap=opps_cap,
        conversion_factor=cf,
        conversion_factor_kind=factor.kind if factor else "rvu-file",
        conversion_factor_citation=factor.citation if factor else None,
        conversion_factor_source=factor.source if factor else opened.release,
    )
    if not_paid is not None or pct is None:
        return Allowed(**out, adjustments=adjustments, reason=not_paid)
    amount = cents(fee * pct)
    if text:
        adjustments.append(f"{text}: {fee} -> {amount}")
    return Allowed(**out, amount=amount, adjustments=adjustments)


# -- anesthesia ---------------------------------------------------------------------------------------
def _units(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite() or d < 0:
        raise InputError(f"{name} {value!r} is not a number of zero or more")
    return d


def time_units(minutes: Decimal) -> Decimal:
    """Anesthesia time units: minutes / 15, rounded to one decimal place."""
    return (minutes / Decimal(15)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _anes_cf(
    kb: KnowledgeBase, d: _dt.date, a: AnesCF, national: Decimal | None, apm: bool, notices: list[str]
) -> tuple[Decimal, str]:
    plain, _ = factor_for(d, apm=False, data_dir=kb.store.root)
    if plain is not None and plain.anesthesia_cf is not None and national is not None and national != plain.anesthesia_cf:
        notices.append(
            f"the ANES file's national anesthesia CF ({national}) is not CY{d.year}'s ({plain.anesthesia_cf}); "
            "the locality CF may be from another year"
        )
    if not apm:
        return a.cf, f"locality anesthesia CF ({a.key} {a.name})"
    if a.cf_apm is not None:
        return a.cf_apm, f"locality anesthesia CF for qualifying APM participants ({a.key} {a.name})"
    qp, _ = factor_for(d, apm=True, data_dir=kb.store.root)
    if (
        qp is not None and plain is not None and qp.kind == "apm" and qp.anesthesia_cf
        and plain.anesthesia_cf and national == plain.anesthesia_cf
    ):
        scaled = cents(a.cf * qp.anesthesia_cf / plain.anesthesia_cf)
        notices.append(
            f"the ANES file has no qualifying-APM column: the locality CF {a.cf} was scaled by the national "
            f"CFs {qp.anesthesia_cf} / {plain.anesthesia_cf} ({qp.citation})"
        )
        return scaled, f"locality anesthesia CF scaled to the qualifying-APM national CF ({a.key} {a.name})"
    notices.append(
        f"no qualifying-APM anesthesia CF is known for CY{d.year}; used the locality's CF {a.cf}"
    )
    return a.cf, f"locality anesthesia CF ({a.key} {a.name})"


def anesthesia_allowed(
    kb: KnowledgeBase,
    base_units: int | float | str | Decimal,
    time_minutes: int | float | str | Decimal,
    dos: _dt.date | str | None,
    *,
    locality: str | None = None,
    zip_code: str | None = None,
    modifying_units: int | float | str | Decimal = 0,
    modifier: str | None = None,
    apm: bool = False,
    code: str | None = None,
) -> AnesthesiaAllowed:
    """Medicare anesthesia amount: (base + time + modifying units) x the locality's anesthesia CF.

    ``base_units`` must come from the CMS anesthesia base units file (not loaded by medcoder).
    ``modifier``: AA or QZ 100%; QK, QX, QY 50% (medical direction); AD (medical supervision)
    is priced by the contractor and not computed. ``code`` (optional) is the anesthesia code:
    01995 and 01996 get no time units.
    """
    d = parse_date(dos, field="date of service")
    base = _units(base_units, "base units")
    minutes = _units(time_minutes, "anesthesia time (minutes)")
    modifying = _units(modifying_units, "modifying units")
    releases: dict[str, str] = {}
    notices: list[str] = []
    tu = time_units(minutes)
    if code is not None and code.strip() in NO_TIME_UNITS:
        tu = Decimal(0)
        notices.append(f"{code.strip()}: Medicare recognizes no time units for this code (chapter 12, section 50.G)")
    total = base + tu + modifying
    mod = (modifier or "").strip().upper() or None
    opened = kb.open("pfs-anes", d)
    ar: AnesReader = opened.reader

    def names() -> list[tuple[str, str, str]]:
        return [(x.mac, x.locality, x.name) for x in ar.all()]

    mac, loc, how, state = _locality_key(kb, d, locality, zip_code, names, releases, notices)
    releases["pfs-anes"] = opened.release
    if opened.notice:
        notices.append(opened.notice)
    a = ar.get(mac, loc)
    if a is None:
        raise UnknownCodeError(f"locality {mac}-{loc} is not in the anesthesia CF file ({opened.release})")
    where = LocalityUsed(mac=mac, locality=loc, name=a.name, state=state, found_by=how)
    out = AnesthesiaAllowed(
        date_of_service=d, base_units=base, time_minutes=minutes, time_units=tu,
        modifying_units=modifying, total_units=total, modifier=mod, locality=where,
        releases=releases, notices=notices,
    )
    cf, basis = _anes_cf(kb, d, a, ar.national_cf, apm, notices)
    out = replace(out, conversion_factor=cf, conversion_factor_basis=basis)
    if mod == "AD":
        return replace(
            out, percent=Decimal(0),
            reason="modifier AD (medical supervision of more than four concurrent procedures): the "
            "contractor pays 3 base units (4 when present at induction); not computed here",
        )
    pct = ANES_PERCENT.get(mod or "AA", Decimal(1))
    if mod in ANES_INFORMATIONAL:
        notices.append(
            f"modifier {mod} is informational for Medicare anesthesia payment (physical status "
            "modifiers add no units under Medicare)"
        )
    elif mod is not None and mod not in ANES_PERCENT:
        notices.append(f"modifier {mod} does not change the anesthesia amount computed here")
    amount = cents(total * cf * pct)
    pct_text = "" if pct == 1 else f" x {pct} ({mod})"
    formula = f"({base} base + {tu} time + {modifying} modifying units) x {cf}{pct_text} = {amount}"
    return replace(out, percent=pct, amount=amount, formula=formula)
