"""Read X12 837I (005010X223A2) files into institutional ``model.Claim`` objects.

    claims = read_837i("stay.837")          # every claim of every transaction

The file is validated with pyx12 first; a file that fails its implementation guide is not read
(an InputError lists pyx12's findings, line and element). Delimiters come from the ISA segment.
The reader walks the HL hierarchy (20 billing provider, 22 subscriber with its payer, 23
patient); each CLM starts a claim: CLM05 gives the type of bill (facility type + frequency),
DTP*434 the statement period, DTP*435 the admission date (and hour), DTP*096 the discharge
hour, CL1 admission type, point of origin and discharge status; HI ABK/ABF (or BK/BF) the
diagnoses with their POA indicator (HI0x-9; empty reads as none), ABJ the admitting diagnosis,
DR the DRG, BBR/BBQ the ICD-10-PCS procedures with their dates; NM1*71 the attending and
NM1*72 the operating physician; each LX a revenue line (SV2 + DTP*472, REF*6R the line item
control number).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path

from medcoder.claims.model import (
    Address,
    Claim,
    ClaimDiagnosis,
    Payer,
    PcsProcedure,
    Person,
    Provider,
    ServiceLine,
)
from medcoder.claims.readers.x837p import _FILING_KIND, _date, _icd, _segments, checked_text
from medcoder.errors import InputError

GUIDE = "005010X223A2"


def read_837i(path: str | Path) -> list[Claim]:
    p = Path(path)
    text = checked_text(p)
    comp = text.lstrip()[104]
    claims: list[Claim] = []
    billing: Provider | None = None
    payer: Payer | None = None
    relationship = "18"
    current: Claim | None = None
    line: ServiceLine | None = None
    in_line = False  # inside loop 2400 (after LX): DTP and NM1 belong to the line
    in_cob = False  # inside loop 2320/2330 (other subscriber, other payer): not in the model
    pending_nm1: str | None = None
    parts: dict[str, dict[str, str]] = {}
    taxonomy: dict[str, str] = {}

    def person(key: str) -> Person:
        d = parts.get(key, {})
        addr = Address(d["n3"], d["city"], d["state"], d["zip"], d.get("n3b")) if "n3" in d else None
        return Person(d.get("last", ""), d.get("first", ""), _date(d["dob"]) if "dob" in d else None,
                      d.get("sex", "U"), member_id=d.get("id") or None, address=addr)

    def physician(key: str) -> Provider:
        d = parts[key]
        return Provider(name=d.get("last", ""), first_name=d.get("first") or None, npi=d.get("id", ""),
                        taxonomy=taxonomy.get(key), entity="person")

    def finish_line() -> None:
        nonlocal line
        if line is not None and current is not None:
            if line.date_of_service == _dt.date.min:
                line.date_of_service = current.service_from
            current.lines.append(line)
        line = None

    def finish_claim() -> None:
        nonlocal current, in_line, in_cob
        finish_line()
        if current is not None:
            for key, attr in (("71", "attending"), ("72", "operating")):
                if key in parts:
                    setattr(current, attr, physician(key))
            claims.append(current)
        for key in ("71", "72"):
            parts.pop(key, None)
            taxonomy.pop(key, None)
        current = None
        in_line = in_cob = False

    for n, seg in _segments(text, p):
        tag = seg[0]
        e = seg + [""] * 12
        if tag == "ST" and e[3] != GUIDE:
            raise InputError(f"transaction {e[3]!r} is not an 837I ({GUIDE})", where=f"{p}:{n}")
        if tag == "HL":
            finish_claim()
            if e[3] == "20":
                parts.pop("85", None)
                taxonomy.pop("85", None)
            if e[3] == "22":
                parts.pop("IL", None)
                parts.pop("QC", None)
                relationship = "18"
        elif tag == "PRV":
            key = {"BI": "85", "AT": "71"}.get(e[1])
            if key:
                taxonomy[key] = e[3]
        elif tag == "NM1":
            pending_nm1 = e[1]
            if in_line or in_cob:
                pending_nm1 = None
                continue  # 2330x other payer's parties, 2420x line-level providers: not in the model
            d = parts.setdefault(e[1], {})
            d.clear()
            d.update(last=e[3], first=e[4], id=e[9])
            if e[1] == "PR":
                payer = Payer(key=e[9], name=e[3], payer_id=e[9], kind=payer.kind if payer else "commercial")
        elif tag == "N3" and pending_nm1 in parts:
            parts[pending_nm1].update(n3=e[1], **({"n3b": e[2]} if e[2] else {}))
        elif tag == "N4" and pending_nm1 in parts:
            parts[pending_nm1].update(city=e[1], state=e[2], zip=e[3])
        elif tag == "DMG" and pending_nm1 in parts:
            parts[pending_nm1].update(dob=e[2], sex=e[3] or "U")
        elif tag == "REF" and e[1] in ("EI", "SY") and pending_nm1 == "85":
            parts["85"].update(tax=e[2], tax_kind="EIN" if e[1] == "EI" else "SSN")
        elif tag == "SBR" and current is not None:
            in_cob = True  # 2320 other subscriber information
        elif tag == "SBR":
            payer = Payer(key="", name="", payer_id="", kind=_FILING_KIND.get(e[9], "commercial"))
            relationship = "18" if e[2] == "18" else relationship
        elif tag == "PAT":
            relationship = e[1]
        elif tag == "CLM":
            finish_claim()
            if billing is None or "85" in parts:
                d = parts.get("85", {})
                addr = Address(d["n3"], d["city"], d["state"], d["zip"], d.get("n3b")) if "n3" in d else None
                billing = Provider(name=d.get("last", ""), npi=d.get("id", ""), tax_id=d.get("tax"),
                                   tax_id_kind=d.get("tax_kind"), taxonomy=taxonomy.get("85"), address=addr)
            subscriber = person("IL")
            patient = person("QC") if relationship != "18" and "QC" in parts else subscriber
            facility, _qual, freq = [*e[5].split(comp), "", "", ""][:3]
            current = Claim(
                kind="institutional", patient_control_number=e[1], billing=billing,
                payer=payer or Payer("", "", ""), patient=patient, subscriber=subscriber,
                service_from=_dt.date.min, service_to=_dt.date.min, place_of_service="",
                diagnoses=[], lines=[], frequency=freq or "1", relationship=relationship,
                type_of_bill=facility + (freq or "1"),
            )
        elif current is None:
            continue
        elif tag == "LX":
            finish_line()
            in_line, in_cob = True, False
        elif in_cob:
            continue  # 2320/2330x: the other payer's adjudication and parties
        elif tag == "DTP" and not in_line:
            if e[1] == "434":
                start, _, end = e[3].partition("-")
                current.service_from, current.service_to = _date(start), _date(end or start)
            elif e[1] == "435":
                current.admission_date = _date(e[3][:8])
                if e[2] == "DT" and len(e[3]) >= 10:
                    current.admission_hour = e[3][8:10]
            elif e[1] == "096":
                current.discharge_hour = e[3][:2]
        elif tag == "CL1":
            current.admission_type = e[1] or None
            current.admission_source = e[2] or None
            current.discharge_status = e[3] or None
        elif tag == "REF" and e[1] == "F8":
            current.original_claim_id = e[2]
        elif tag == "HI":
            for item in seg[1:]:
                c = [*item.split(comp), *[""] * 9]
                qual, code_ = c[0], c[1]
                if qual in ("ABK", "BK", "ABF", "BF"):
                    current.diagnoses.append(ClaimDiagnosis(_icd(code_) if qual[0] == "A" else code_, c[8] or None))
                elif qual in ("ABJ", "BJ"):
                    current.admitting_diagnosis = _icd(code_) if qual == "ABJ" else code_
                elif qual == "DR":
                    current.drg = code_
                elif qual in ("BBR", "BBQ", "BR", "BQ"):
                    when = _date(c[3]) if c[2] == "D8" and c[3] else current.service_to
                    current.pcs_procedures.append(PcsProcedure(code_, when))
        elif tag == "SV2":
            proc = [*e[2].split(comp), *[""] * 6] if e[2] else [""] * 7
            code_ = proc[1] if proc[0] in ("HC", "HP", "") else ""
            line = ServiceLine(
                code=code_, system=("CPT" if code_[:1].isdigit() else "HCPCS") if code_ else "REV",
                charge=Decimal(e[3] or "0"), units=Decimal(e[5] or "1"), date_of_service=_dt.date.min,
                modifiers=[m for m in proc[2:6] if m] if code_ else [], revenue_code=e[1],
                unit_kind=e[4] or "UN",
            )
        elif tag == "DTP" and e[1] == "472" and line is not None:
            line.date_of_service = _date(e[3].split("-")[0])
        elif tag == "REF" and e[1] == "6R" and in_line and line is not None:
            line.control_number = e[2] or None
        elif tag == "SE":
            finish_claim()
    finish_claim()
    return claims
