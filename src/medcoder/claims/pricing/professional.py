"""Medicare physician fee schedule pricing of professional claim lines.

Each line gets :func:`medcoder.codesets.pfs.payment.medicare_allowed` (RVUs x GPCIs x CF, the
OPPS imaging cap, 26/TC rows, modifier 50/80/62 adjustments, status codes), then the rules that
need the other lines of the same date (Medicare Claims Processing Manual, chapter 12):

- **facility / non-facility**: the facility PE RVU is used for the places of service the RVU
  file README lists as facility settings (``FACILITY_POS``); every other POS (11 office, 12
  home, 10 telehealth in the home ...) gets the non-facility PE RVU.
- **status T** (injection-type services): paid only when no other fee schedule service is
  paid on the same date.
- **MULT PROC 2** (section 40.6): procedures of one date ranked by fee schedule amount (each
  unit counts as one procedure; a modifier 50 line is ranked at its bilateral amount): the
  highest 100%, every other 50%.
- **MULT PROC 3** (endoscopy, section 40.6.C): within one endoscopic base code family, the
  highest valued endoscopy is paid in full and each other one its fee minus the base
  endoscopy's fee; the family then counts as one procedure in the MULT PROC 2 ranking.
- **MULT PROC 5** (therapy, section 220): the unit with the highest practice expense is paid in
  full, every later unit and procedure of the date with 50% of its practice expense.
- **MULT PROC 4, 6, 7** (diagnostic imaging, cardiovascular and ophthalmology TC reductions):
  not applied; the claim's notices say so for each affected date.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import defaultdict
from decimal import Decimal

from medcoder.claims.model import Claim, ServiceLine
from medcoder.claims.pricing.config import PricingConfig
from medcoder.claims.pricing.model import LinePrice, LocalityChoice, cents
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.pfs.payment import Allowed, medicare_allowed
from medcoder.codesets.pfs.reader import parse_locality_key
from medcoder.errors import InputError, UnknownCodeError

# CMS RVU file README ("facility" and "non-facility" PE RVUs) and Medicare Claims Processing
# Manual ch. 12 section 20.4.2: the facility rate applies in these places of service.
FACILITY_POS: dict[str, str] = {
    "02": "telehealth other than in the patient's home",
    "19": "off-campus outpatient hospital",
    "21": "inpatient hospital",
    "22": "on-campus outpatient hospital",
    "23": "emergency room - hospital",
    "24": "ambulatory surgical center",
    "26": "military treatment facility",
    "31": "skilled nursing facility",
    "34": "hospice",
    "41": "ambulance - land",
    "42": "ambulance - air or water",
    "51": "inpatient psychiatric facility",
    "52": "psychiatric facility - partial hospitalization",
    "53": "community mental health center",
    "56": "psychiatric residential treatment center",
    "61": "comprehensive inpatient rehabilitation facility",
}
ROW_MODIFIERS = ("26", "TC", "53")
PAYMENT_MODIFIERS = ("50", "80", "81", "82", "AS", "62", "66")
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
HALF = Decimal("0.5")
NOT_APPLIED = {
    "4": "diagnostic imaging: 50% reduction of the technical component and 5% of the professional "
         "component of the second and later procedures",
    "6": "diagnostic cardiovascular: 25% reduction of the technical component of the second and later procedures",
    "7": "diagnostic ophthalmology: 20% reduction of the technical component of the second and later procedures",
    "1": "pre-1995 multiple procedure rules (100/50/25/25/25%)",
}


# -- locality -------------------------------------------------------------------------------------
def resolve_locality(kb: KnowledgeBase, claim: Claim, cfg: PricingConfig, notices: list[str]) -> LocalityChoice:
    """The payment locality from pricing.locality, pricing.zip or the billing provider's ZIP;
    an InputError names the setting when the fee schedule files do not know it."""
    dos = claim.service_from
    opened = kb.open("pfs-gpci", dos)
    gr = opened.reader
    if cfg.locality is not None:
        text, where = cfg.locality, cfg.locality_where
        if re.search(r"[A-Za-z]", text):
            wanted = " ".join(text.upper().split())
            pool = [g for g in gr.all() if g.name.upper().rstrip("*") == wanted] or [
                g for g in gr.all() if wanted in g.name.upper()
            ]
            if len(pool) != 1:
                listed = "; ".join(f"{g.key} {g.name}" for g in pool[:8])
                raise InputError(
                    f"locality {text!r} " + (f"matches several localities: {listed}" if pool else
                                             f"is not a locality name in the GPCI file ({opened.release})")
                    + "; give MAC-LOCALITY, e.g. 13202-01 (Manhattan)", where=where,
                )
            g = pool[0]
            return LocalityChoice(g.mac, g.locality, g.name, f"{where} {text!r}")
        try:
            mac, loc = parse_locality_key(text)
        except InputError as exc:
            raise InputError(exc.message, where=where) from None
        g = gr.get(mac, loc)
        if g is None:
            raise InputError(
                f"locality {mac}-{loc} is not in the GPCI file ({opened.release}); give a MAC-LOCALITY "
                "listed there (e.g. 13202-01 Manhattan, 06102-99 Rest of Illinois)", where=where,
            )
        return LocalityChoice(mac, loc, g.name, f"{where} {mac}-{loc}")
    if cfg.zip is not None:
        zip_code, where = cfg.zip, cfg.zip_where
    elif claim.billing.address is not None:
        zip_code, where = claim.billing.address.zip, "billing.address.zip"
    else:
        raise InputError(
            "no payment locality: give pricing.locality (e.g. 13202-01) or pricing.zip, or a billing "
            "provider address with a ZIP code", where="pricing.locality",
        )
    m = _ZIP.match(str(zip_code).strip())
    if not m:
        raise InputError(f"ZIP code {zip_code!r} is not 5 digits (or ZIP+4)", where=where)
    zopened = kb.open("pfs-zip", dos)
    if zopened.notice:
        notices.append(zopened.notice)
    z = zopened.reader.get(m.group(1))
    if z is None:
        raise InputError(
            f"ZIP code {m.group(1)} is not in the ZIP5 file ({zopened.release}); give pricing.locality "
            "(MAC-LOCALITY) instead", where=where,
        )
    if z.plus_four:
        notices.append(
            f"ZIP {z.zip} is split between localities by ZIP+4: the 5-digit file gives {z.carrier}-{z.locality}; "
            "set pricing.locality when the practice is in another one"
        )
    g = gr.get(z.carrier, z.locality)
    return LocalityChoice(z.carrier, z.locality, g.name if g else None, f"{where} {m.group(1)}")


# -- one line -------------------------------------------------------------------------------------
def place_of_service(claim: Claim, line: ServiceLine) -> str:
    return (line.place_of_service or claim.place_of_service or "11").strip()


def pricing_modifier(line: ServiceLine, notes: list[str]) -> str | None:
    mods = [m.upper() for m in line.modifiers]
    row = [m for m in mods if m in ROW_MODIFIERS]
    pay = [m for m in mods if m in PAYMENT_MODIFIERS]
    both = row + pay
    chosen = both[0] if both else None
    others = [m for m in both if m != chosen]
    if others:
        notes.append(f"modifier(s) {', '.join(others)} not applied: one pricing modifier per line ({chosen} used)")
    return chosen


def price_pfs_line(
    kb: KnowledgeBase, claim: Claim, line: ServiceLine, n: int, loc: LocalityChoice, apm: bool,
) -> tuple[LinePrice, Allowed | None]:
    pos = place_of_service(claim, line)
    facility = pos in FACILITY_POS
    out = LinePrice(
        line=n, code=line.code, modifiers=list(line.modifiers), units=line.units,
        date_of_service=line.date_of_service, method="medicare-pfs", charge=line.charge,
        setting="facility" if facility else "non-facility",
    )
    mod = pricing_modifier(line, out.notices)
    try:
        a = medicare_allowed(kb, line.code, line.date_of_service, locality=loc.key, modifier=mod,
                             facility=facility, apm=apm)
    except UnknownCodeError as exc:
        out.method, out.reason = "not-priced", exc.message
        return out, None
    out.status, out.status_meaning = a.status, a.status_meaning
    gd = a.indicators.get("global_days") or {}
    out.global_days, out.global_meaning = gd.get("code"), gd.get("meaning")
    out.breakdown = a
    out.notices.extend(a.notices)
    where = f"POS {pos} ({FACILITY_POS[pos]}): facility" if facility else f"POS {pos}: non-facility"
    out.steps.append(f"{where} PE RVU (CMS RVU README facility settings)")
    row = f"{a.code}-{a.rvu_row_modifier}" if a.rvu_row_modifier else a.code
    if a.rvus:
        out.steps.append(
            f"{row} RVUs work {a.rvus['work']}, PE {a.rvus['pe']}, MP {a.rvus['mp']}; GPCIs ({loc.key} "
            f"{loc.name or ''}) work {a.gpcis['work']}, PE {a.gpcis['pe']}, MP {a.gpcis['mp']}"
            + (f"; CF {a.conversion_factor}" if a.conversion_factor is not None else "")
        )
    status = f"status {a.status} ({a.status_meaning})" if a.status else "status unknown"
    if out.global_days:
        status += f"; global days {out.global_days} ({out.global_meaning})"
    out.steps.append(status)
    if a.formula:
        out.steps.append(f"fee schedule amount {a.formula}")
    out.steps.extend(a.adjustments)
    if a.amount is None:
        out.reason = a.reason or "no fee schedule amount"
        return out, a
    out.unit_amount = a.amount
    out.allowed = cents(a.amount * line.units)
    out.paid = True
    if line.units != 1:
        out.steps.append(f"{a.amount} x {line.units} units = {out.allowed}")
    return out, a


# -- same-date rules --------------------------------------------------------------------------------
def _indicator(a: Allowed | None, name: str) -> str | None:
    if a is None:
        return None
    v = a.indicators.get(name)
    return v.get("code") if isinstance(v, dict) else v


def _unit_count(units: Decimal) -> int:
    return int(units) if units == units.to_integral() and units >= 1 else 1


def apply_same_day_rules(
    kb: KnowledgeBase, claim: Claim, priced: list[tuple[LinePrice, Allowed | None]], loc: LocalityChoice,
    apm: bool, notices: list[str],
) -> None:
    by_date: dict[_dt.date, list[tuple[LinePrice, Allowed | None]]] = defaultdict(list)
    for lp, a in priced:
        if lp.method == "medicare-pfs":
            by_date[lp.date_of_service].append((lp, a))
    for d, items in sorted(by_date.items()):
        _status_t(items)
        _therapy(items)
        _multiple_procedures(kb, claim, d, items, loc, apm)
        shown = sorted({m for lp, a in items if lp.paid and (m := _indicator(a, "multiple_procedure")) in NOT_APPLIED})
        for m in shown:
            codes = [lp.code for lp, a in items if lp.paid and _indicator(a, "multiple_procedure") == m]
            if len(codes) > 1 or m == "1":
                notices.append(
                    f"{d.isoformat()}: {', '.join(codes)} carry MULT PROC {m} ({NOT_APPLIED[m]}); this reduction is "
                    "not applied here, so those amounts may be higher than Medicare pays"
                )


def _status_t(items: list[tuple[LinePrice, Allowed | None]]) -> None:
    others = [lp for lp, _ in items if lp.paid and lp.status in ("A", "R")]
    if not others:
        return
    for lp, _ in items:
        if lp.paid and lp.status == "T":
            lp.paid, lp.allowed = False, Decimal("0.00")
            lp.reason = (
                f"status T: paid only when no other fee schedule service is paid on the same date; line(s) "
                f"{', '.join(str(o.line) for o in others)} are, so this one is bundled"
            )
            lp.steps.append(lp.reason)


def _pe_payment(a: Allowed) -> Decimal:
    return a.rvus["pe"] * a.gpcis["pe"] * (a.conversion_factor or Decimal(0))


def _therapy(items: list[tuple[LinePrice, Allowed | None]]) -> None:
    units: list[tuple[Decimal, int, LinePrice, Allowed]] = []
    for i, (lp, a) in enumerate(items):
        if lp.paid and a is not None and a.rvus and _indicator(a, "multiple_procedure") == "5":
            units.extend((_pe_payment(a), i, lp, a) for _ in range(_unit_count(lp.units)))
    if len(units) < 2:
        return
    units.sort(key=lambda u: (-u[0], u[1]))
    full: dict[int, int] = defaultdict(int)
    reduced: dict[int, int] = defaultdict(int)
    full[units[0][1]] += 1
    for u in units[1:]:
        reduced[u[1]] += 1
    for i, (lp, a) in enumerate(items):
        if not reduced.get(i) or a is None:
            continue
        cf = a.conversion_factor or Decimal(0)
        r, g = a.rvus, a.gpcis
        cut = cents((r["work"] * g["work"] + HALF * r["pe"] * g["pe"] + r["mp"] * g["mp"]) * cf)
        n_full, n_cut = full.get(i, 0), reduced[i]
        base = lp.unit_amount or Decimal(0)
        lp.allowed = cents(base * n_full + cut * n_cut)
        lp.steps.append(
            f"therapy multiple procedure rule (MULT PROC 5): practice expense of later units at 50%: "
            f"[({r['work']} x {g['work']}) + (0.5 x {r['pe']} x {g['pe']}) + ({r['mp']} x {g['mp']})] x {cf} = {cut}; "
            f"{n_full} unit(s) x {base} + {n_cut} unit(s) x {cut} = {lp.allowed}"
        )


def _base_fee(kb: KnowledgeBase, base: str, d: _dt.date, loc: LocalityChoice, facility: bool, apm: bool) -> Decimal | None:
    try:
        a = medicare_allowed(kb, base, d, locality=loc.key, facility=facility, apm=apm)
    except UnknownCodeError:
        return None
    return a.fee_schedule_amount


def _multiple_procedures(
    kb: KnowledgeBase, claim: Claim, d: _dt.date, items: list[tuple[LinePrice, Allowed | None]],
    loc: LocalityChoice, apm: bool,
) -> None:
    # groups ranked by the standard rule: one per unit of a MULT PROC 2 line, one per endoscopy family
    groups: list[tuple[Decimal, str, list[tuple[LinePrice, Decimal]]]] = []  # (amount, label, [(line, part)])
    families: dict[str, list[tuple[LinePrice, Allowed]]] = defaultdict(list)
    bases = {(_indicator(a, "endoscopic_base_code") or "") for lp, a in items
             if lp.paid and _indicator(a, "multiple_procedure") == "3"}
    for lp, a in items:
        if not lp.paid or a is None:
            continue
        m = _indicator(a, "multiple_procedure")
        if m == "3":
            families[_indicator(a, "endoscopic_base_code") or lp.code].append((lp, a))
        elif m == "2" and lp.code in bases:
            families[lp.code].append((lp, a))  # the base endoscopy billed with its family
        elif m == "2":
            unit = lp.unit_amount or Decimal(0)
            n = _unit_count(lp.units)
            if n == 1 and lp.units != 1:
                groups.append((lp.allowed, f"{lp.code} line {lp.line}", [(lp, lp.allowed)]))
            else:
                groups.extend((unit, f"{lp.code} line {lp.line}", [(lp, unit)]) for _ in range(n))
    for base, members in families.items():
        if len(members) == 1 and _unit_count(members[0][0].units) == 1:
            lp = members[0][0]
            groups.append((lp.allowed, f"{lp.code} line {lp.line}", [(lp, lp.allowed)]))
            continue
        facility = members[0][0].setting == "facility"
        base_fee = _base_fee(kb, base, d, loc, facility, apm) or Decimal(0)
        ranked = sorted(members, key=lambda m: -(m[0].unit_amount or Decimal(0)))
        parts: list[tuple[LinePrice, Decimal]] = []
        for i, (lp, _a) in enumerate(ranked):
            fee = lp.unit_amount or Decimal(0)
            if i == 0:
                part = cents(fee * lp.units)
                lp.steps.append(f"endoscopy family {base} (MULT PROC 3): highest valued, paid in full {part}")
            else:
                part = cents(max(fee - base_fee, Decimal(0)) * lp.units)
                lp.steps.append(
                    f"endoscopy family {base} (MULT PROC 3): its fee minus the base endoscopy {base}'s "
                    f"{base_fee}: {fee} - {base_fee} = {part}"
                )
            lp.allowed = part
            parts.append((lp, part))
        total = cents(sum((p for _, p in parts), Decimal(0)))
        groups.append((total, f"endoscopy family {base}", parts))
    if len(groups) < 2:
        return
    order = sorted(range(len(groups)), key=lambda i: (-groups[i][0], i))
    count = len(groups)
    new_amounts: dict[int, Decimal] = {}
    for rank, gi in enumerate(order, start=1):
        _amount, label, parts = groups[gi]
        pct = Decimal(1) if rank == 1 else HALF
        for lp, part in parts:
            got = cents(part * pct)
            new_amounts[lp.line] = new_amounts.get(lp.line, Decimal(0)) + got
            lp.steps.append(
                f"multiple procedure rule (MULT PROC 2, Claims Processing Manual ch. 12 section 40.6): "
                f"{label} ranked {rank} of {count} procedures on {d.isoformat()} by fee schedule amount: "
                f"{'100%' if rank == 1 else '50%'} of {part} = {got}"
            )
    for lp, _ in items:
        if lp.line in new_amounts:
            lp.allowed = cents(new_amounts[lp.line])
            if lp.allowed == 0 and lp.paid:
                lp.paid = False
                lp.reason = "the base endoscopy is included in the other endoscopy of its family"


def price_medicare_lines(
    kb: KnowledgeBase, claim: Claim, loc: LocalityChoice, cfg: PricingConfig, notices: list[str],
) -> list[LinePrice]:
    """Every line at Medicare rates: the fee schedule, or the anesthesia formula for MJ lines."""
    from medcoder.claims.pricing.anesthesia import is_anesthesia, price_anesthesia_line

    priced: list[tuple[LinePrice, Allowed | None]] = []
    for n, line in enumerate(claim.lines, start=1):
        if is_anesthesia(line):
            priced.append((price_anesthesia_line(kb, line, n, loc, cfg.apm, notices), None))
        else:
            priced.append(price_pfs_line(kb, claim, line, n, loc, cfg.apm))
    apply_same_day_rules(kb, claim, priced, loc, cfg.apm, notices)
    return [lp for lp, _ in priced]

