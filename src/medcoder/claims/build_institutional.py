"""An institutional (inpatient, UB-04 / 837I) claim from a coded stay and the hospital's profile.

    claim = build_institutional(result, profile, patient=..., payer="medicare",
                                patient_control_number="ACCT-1001",
                                admission_date=date(2026, 6, 10), discharge_date=date(2026, 6, 12),
                                poa={"K35.32": "Y"}, attending="lee")

``result`` is an inpatient billing-mode ``CodingResult``: its ICD-10-CM diagnoses in sequence
(the first is the principal diagnosis; at most 25 on an 837I) and its ICD-10-PCS procedures
(the first is the principal procedure, dated the note's date of service). CPT/HCPCS lines of
the result belong on the physicians' professional claims and are not carried.

The hospital's billing data is the profile's ``facility`` section::

    facility:
      name: Riverside General Hospital     # the billing provider (837I loop 2010AA, UB-04 FL1/FL56)
      npi: "1234567893"
      tax_id: "12-3456789"                 # EIN (FL5)
      taxonomy: 282N00000X                 # optional (PRV*BI)
      address: {line1: 100 Hospital Dr, city: Springfield, state: IL, zip: "62701"}
      type_of_bill: "111"                  # FL4: facility type (1 hospital) + care (1 inpatient);
                                           # the last digit is replaced by the claim frequency
      room_and_board:                      # required on an inpatient bill (11x, 12x, 18x, 21x, 41x)
        revenue_code: "0120"               # semi-private room
        per_day: 2400.00                   # line units = days of the stay (SV204 DA)
      revenue:                             # per-stay charges by revenue code (FL42/FL47)
        "0250": 300.00                     # a number: one unit at that charge
        "0300": 450.00
        "0360": 5200.00
        "0636": {charge: 95.00, code: J1885, units: 2}   # or a line with its HCPCS code
      procedure_revenue: "0360"            # optional: this revenue line is billed only when the
                                           # stay has an ICD-10-PCS procedure (dated with it)
      attending: lee                       # optional: default attending, a key under providers

Every revenue line starts on the admission date except the procedure line (the principal
procedure's date); lines are in revenue code order (UB-04 FL42). POA indicators come from the
``poa`` mapping (``{code: Y|N|U|W|1}``); a diagnosis not in it keeps no indicator, which the
scrubber's required-fields edit reports on Medicare inpatient claims. Errors name the field
(``hospital.yaml: facility.npi: ...``) or the argument (``poa``, ``admission_date``).
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from medcoder.claims.model import (
    MAX_DIAGNOSES,
    Claim,
    ClaimDiagnosis,
    PcsProcedure,
    Person,
    Provider,
    ServiceLine,
)
from medcoder.claims.profile import Profile, _Reader
from medcoder.errors import InputError

CENT = Decimal("0.01")
POA_VALUES = ("Y", "N", "U", "W", "1")
ADMISSION_TYPES = ("1", "2", "3", "4", "5", "9")  # NUBC FL14 priority (type) of admission
INPATIENT_BILLS = ("11", "12", "18", "21", "41")  # facility type + care type of inpatient bills
MAX_PCS = 25  # 837I HI: principal procedure (BBR) + 24 others (BBQ)
_TOB = re.compile(r"^0?([1-8]\d)[0-9A-Z]?$")
_REVENUE = re.compile(r"^0?\d{3}$")


def _dx(code: str) -> str:
    """An ICD-10-CM code as medcoder reports it (upper case, with its dot)."""
    c = code.strip().upper().replace(".", "")
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


class _Facility:
    """Reads the profile's ``facility`` section; every error names the field."""

    def __init__(self, profile: Profile) -> None:
        self.source = profile.source or "profile"
        self.r = _Reader(self.source)
        raw = profile.sections.get("facility")
        if raw is None:
            raise self.fail("facility", "required, missing (the hospital that bills: name, npi, tax_id, "
                            "address, type_of_bill, room_and_board, revenue)")
        self.o = self.r.obj(raw, "facility")

    def fail(self, path: str, message: str) -> InputError:
        return self.r.fail(path, message)

    def provider(self) -> Provider:
        billing = self.r.provider(self.o, "facility", person=False)
        if billing.tax_id is None:
            raise self.fail("facility.tax_id", "required, missing (the hospital's EIN)")
        if billing.address is None:
            raise self.fail("facility.address", "required, missing (line1, city, state, zip)")
        return billing

    def bill_type(self) -> str:
        """Facility type + care type (the first two digits of FL4, without the leading 0)."""
        raw = self.r.text(self.o, "type_of_bill", "facility")
        m = _TOB.match(str(raw).upper())
        if not m:
            raise self.fail("facility.type_of_bill", f"expected a type of bill such as 111 or 0111 (facility "
                            f"type, care type, frequency), got {raw!r}")
        return m.group(1)

    def amount(self, value: Any, path: str) -> Decimal:
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(path, f"expected an amount, got {value!r}") from None
        if not d.is_finite() or d < 0:
            raise self.fail(path, f"expected an amount of zero or more, got {value!r}")
        return d

    def revenue_code(self, value: Any, path: str) -> str:
        s = str(value).strip() if value is not None else ""
        if not _REVENUE.match(s):
            raise self.fail(path, f"expected a 4-digit revenue code (e.g. 0120), got {value!r}")
        return s.zfill(4)

    def room_and_board(self) -> tuple[str, Decimal] | None:
        raw = self.o.get("room_and_board")
        if raw is None:
            return None
        o = self.r.obj(raw, "facility.room_and_board")
        rev = self.revenue_code(o.get("revenue_code"), "facility.room_and_board.revenue_code")
        if o.get("per_day") is None:
            raise self.fail("facility.room_and_board.per_day", "required, missing (the charge per day)")
        return rev, self.amount(o["per_day"], "facility.room_and_board.per_day")

    def revenue(self) -> dict[str, tuple[Decimal, str, Decimal]]:
        """revenue code -> (charge per stay, HCPCS code or "", units)."""
        out: dict[str, tuple[Decimal, str, Decimal]] = {}
        for key, value in self.r.obj(self.o.get("revenue") or {}, "facility.revenue").items():
            path = f"facility.revenue.{key}"
            rev = self.revenue_code(key, path)
            if isinstance(value, dict):
                if value.get("charge") is None:
                    raise self.fail(f"{path}.charge", "required, missing")
                charge = self.amount(value["charge"], f"{path}.charge")
                code = str(value.get("code") or "").strip().upper()
                if code and not re.fullmatch(r"[A-Z0-9]{5}", code):
                    raise self.fail(f"{path}.code", f"expected a 5-character HCPCS/CPT code, got {value['code']!r}")
                units = self.amount(value.get("units", 1), f"{path}.units")
                if units <= 0:
                    raise self.fail(f"{path}.units", f"units must be positive, got {value.get('units')!r}")
            else:
                charge, code, units = self.amount(value, path), "", Decimal(1)
            if rev in out:
                raise self.fail(path, f"revenue code {rev} is listed twice")
            out[rev] = (charge, code, units)
        return out


def _choice(value: str, allowed: tuple[str, ...] | None, pattern: str, where: str, what: str) -> str:
    s = str(value).strip().upper()
    if (allowed is not None and s not in allowed) or not re.fullmatch(pattern, s):
        expected = ", ".join(allowed) if allowed else pattern
        raise InputError(f"{what}: expected {expected}, got {value!r}", where=where)
    return s


def _person_provider(profile: Profile, fac: _Facility, key: str | Provider | None, what: str) -> Provider | None:
    if key is None or isinstance(key, Provider):
        return key
    if key not in profile.providers:
        raise InputError(
            f"{what} {key!r} is not in the profile; known: {', '.join(sorted(profile.providers)) or 'none'}",
            where=f"{fac.source}: providers",
        )
    return profile.providers[key]


def build_institutional(
    result: Any,
    profile: Profile,
    *,
    patient: Person,
    payer: str,
    patient_control_number: str,
    admission_date: _dt.date,
    discharge_date: _dt.date,
    admission_type: str = "1",
    admission_source: str = "1",
    discharge_status: str = "01",
    poa: dict[str, str] | None = None,
    admitting_diagnosis: str | None = None,
    attending: str | Provider | None = None,
    subscriber: Person | None = None,
    frequency: str = "1",
    original_claim_id: str | None = None,
    operating: str | Provider | None = None,
    relationship: str = "18",
    drg: str | None = None,
) -> Claim:
    """The UB-04 / 837I claim for one coded inpatient stay (``CodingResult`` in billing mode).

    ``attending`` and ``operating`` are keys under the profile's ``providers`` (or Provider
    objects); ``subscriber`` with ``relationship`` (837 SBR02/PAT01) when the patient is not the
    insured; ``frequency`` 7/8 with the payer's ``original_claim_id``."""
    if result.mode != "billing":
        raise InputError("a claim is built from a billing-mode result, not a mentions list", where="result.mode")
    fac = _Facility(profile)
    billing = fac.provider()
    bill_type = fac.bill_type()
    if payer not in profile.payers:
        raise InputError(
            f"payer {payer!r} is not in the profile; known: {', '.join(sorted(profile.payers))}",
            where=f"{fac.source}: payers",
        )
    if discharge_date < admission_date:
        raise InputError(f"the discharge ({discharge_date}) is before the admission ({admission_date})",
                         where="discharge_date")
    adm_type = _choice(admission_type, ADMISSION_TYPES, r"\d", "admission_type", "the admission type (FL14)")
    adm_source = _choice(admission_source, None, r"[0-9A-Z]", "admission_source", "the point of origin (FL15)")
    status = _choice(discharge_status, None, r"\d{2}", "discharge_status", "the patient discharge status (FL17)")

    diagnoses = [ClaimDiagnosis(_dx(d.code)) for d in result.diagnoses[: MAX_DIAGNOSES["institutional"]]]
    if poa:
        by_code = {d.code.replace(".", ""): i for i, d in enumerate(diagnoses)}
        for code, value in poa.items():
            key = str(code).strip().upper().replace(".", "")
            if key not in by_code:
                raise InputError(f"{code} is not a diagnosis of this claim "
                                 f"({', '.join(d.code for d in diagnoses) or 'none'})", where="poa")
            v = _choice(value, POA_VALUES, r"[A-Z0-9]", "poa", f"the POA indicator of {code}")
            i = by_code[key]
            diagnoses[i] = ClaimDiagnosis(diagnoses[i].code, v)

    pcs_date = result.date_of_service
    pcs = [PcsProcedure(p.code.strip().upper(), pcs_date)
           for p in result.procedures if p.system == "ICD-10-PCS"][:MAX_PCS]
    if pcs and not admission_date <= pcs_date <= discharge_date:
        raise InputError(f"the procedure date {pcs_date} (the note's date of service) is outside the stay "
                         f"{admission_date} to {discharge_date}", where="result.date_of_service")

    stay_days = max((discharge_date - admission_date).days, 1)
    lines: list[ServiceLine] = []
    rb = fac.room_and_board()
    if rb is not None:
        rev, per_day = rb
        lines.append(ServiceLine(
            code="", system="REV", charge=(per_day * stay_days).quantize(CENT, ROUND_HALF_UP),
            units=Decimal(stay_days), date_of_service=admission_date, revenue_code=rev, unit_kind="DA",
            label="room and board",
        ))
    elif bill_type in INPATIENT_BILLS:
        raise fac.fail("facility.room_and_board", f"required for an inpatient type of bill ({bill_type}x): "
                       "revenue_code and per_day")
    revenue = fac.revenue()
    proc_rev_raw = fac.o.get("procedure_revenue")
    proc_rev = fac.revenue_code(proc_rev_raw, "facility.procedure_revenue") if proc_rev_raw is not None else None
    if proc_rev is not None and proc_rev not in revenue:
        raise fac.fail("facility.procedure_revenue", f"{proc_rev} has no charge under facility.revenue")
    for rev, (charge, code, units) in revenue.items():
        when = admission_date
        if rev == proc_rev:
            if not pcs:
                continue
            when = pcs[0].date
        lines.append(ServiceLine(
            code=code, system=("CPT" if code[:1].isdigit() else "HCPCS") if code else "REV",
            charge=charge.quantize(CENT, ROUND_HALF_UP), units=units, date_of_service=when, revenue_code=rev,
            label="procedure" if rev == proc_rev else "",
        ))
    lines.sort(key=lambda ln: ln.revenue_code or "")
    if not lines:
        raise fac.fail("facility.revenue", "no revenue lines to bill: give room_and_board and/or revenue charges")

    if attending is None and fac.o.get("attending") is not None:
        attending = str(fac.o["attending"])
    if subscriber is not None and subscriber != patient and relationship == "18":
        raise InputError("a subscriber other than the patient needs the patient's relationship to them "
                         "(relationship, e.g. 01 spouse, 19 child)", where="relationship")
    claim = Claim(
        kind="institutional",
        patient_control_number=patient_control_number,
        billing=billing,
        payer=profile.payers[payer],
        patient=patient,
        subscriber=subscriber or patient,
        relationship=relationship if subscriber is not None and subscriber != patient else "18",
        service_from=admission_date,
        service_to=discharge_date,
        place_of_service="",
        diagnoses=diagnoses,
        lines=lines,
        frequency=frequency,
        original_claim_id=original_claim_id,
        pcs_procedures=pcs,
        type_of_bill=bill_type + frequency,
        drg=drg,
        admission_date=admission_date,
        admission_type=adm_type,
        admission_source=adm_source,
        discharge_status=status,
        admitting_diagnosis=_dx(admitting_diagnosis) if admitting_diagnosis else None,
        attending=_person_provider(profile, fac, attending, "attending provider"),
        operating=_person_provider(profile, fac, operating, "operating provider"),
    )
    claim.check()
    return claim
