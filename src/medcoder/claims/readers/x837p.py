"""Read X12 837P (005010X222A1) files into ``model.Claim`` objects.

    claims = read_837p("claims.837")          # every claim of every transaction

The file is validated with pyx12 first; a file that fails its implementation guide is not
read (an InputError lists pyx12's findings, line and element). Delimiters come from the ISA
segment (element separator at position 4, component separator ISA16, segment terminator after
it). The reader walks the HL hierarchy: 20 billing provider, 22 subscriber (with its payer),
23 patient; each CLM starts a claim, each LX a service line (SV1 + DTP*472, REF*6R the line item
control number, kept so that a corrected claim written from it sends the same numbers).
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
    Person,
    Provider,
    ServiceLine,
)
from medcoder.errors import InputError

_FILING_KIND = {"MB": "medicare", "MA": "medicare", "MC": "medicaid", "CI": "commercial", "BL": "bcbs", "CH": "tricare"}


def _date(value: str) -> _dt.date:
    return _dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def _icd(code: str) -> str:
    """ICD-10-CM as X12 carries it (no dot) with its dot: I10, E1122 -> E11.22."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def _segments(text: str, where: Path) -> list[tuple[int, list[str]]]:
    t = text.lstrip()
    if not t.startswith("ISA") or len(t) < 106:
        raise InputError("not an X12 interchange: expected an ISA segment of 106 characters", where=where)
    elem, term = t[3], t[105]
    out = []
    for n, raw in enumerate(t.split(term), start=1):
        seg = raw.strip("\r\n ")
        if seg:
            out.append((n, seg.split(elem)))
    return out


def checked_text(p: Path) -> str:
    """The file's text once pyx12 finds it valid against its implementation guide; else an
    InputError listing the first findings (line and element). Every X12 claim reader starts here."""
    from medcoder.claims.validate import validate_x12

    v = validate_x12(p)
    if not v.ok:
        shown = "; ".join(v.errors[:5]) + (f"; and {len(v.errors) - 5} more" if len(v.errors) > 5 else "")
        raise InputError(f"the file fails its implementation guide (pyx12): {shown}", where=p)
    return p.read_text(encoding="ascii")


def read_837p(path: str | Path) -> list[Claim]:
    p = Path(path)
    text = checked_text(p)
    comp = text.lstrip()[104]
    claims: list[Claim] = []
    billing: Provider | None = None
    subscriber: Person | None = None
    payer: Payer | None = None
    patient: Person | None = None
    relationship = "18"
    current: Claim | None = None
    line: ServiceLine | None = None
    level = ""
    pending_nm1: str | None = None
    parts: dict[str, dict[str, str]] = {}

    def person(key: str) -> Person:
        d = parts.get(key, {})
        addr = Address(d["n3"], d["city"], d["state"], d["zip"]) if "n3" in d else None
        return Person(d.get("last", ""), d.get("first", ""), _date(d["dob"]) if "dob" in d else None,
                      d.get("sex", "U"), member_id=d.get("id"), address=addr)

    def finish_line() -> None:
        nonlocal line
        if line is not None and current is not None:
            current.lines.append(line)
        line = None

    def finish_claim() -> None:
        nonlocal current
        finish_line()
        if current is not None:
            if current.lines:
                current.service_from = min(ln.date_of_service for ln in current.lines)
                current.service_to = max(ln.date_of_service for ln in current.lines)
            claims.append(current)
        current = None

    for n, seg in _segments(text, p):
        tag = seg[0]
        e = seg + [""] * 12
        if tag == "ST" and e[3] != "005010X222A1":
            raise InputError(f"transaction {e[3]!r} is not an 837P (005010X222A1)", where=f"{p}:{n}")
        if tag == "HL":
            finish_claim()
            level = e[3]
            if level == "22":
                parts.pop("IL", None)
                parts.pop("QC", None)
                relationship = "18"
        elif tag == "NM1":
            pending_nm1 = e[1]
            d = parts.setdefault(e[1], {})
            d.update(last=e[3], first=e[4], id=e[9])
            if e[1] == "PR":
                payer = Payer(key=e[9], name=e[3], payer_id=e[9], kind=payer.kind if payer else "commercial")
            if e[1] == "82" and current is not None:
                current.rendering = Provider(name=e[3], first_name=e[4] or None, npi=e[9], entity="person")
        elif tag == "N3" and pending_nm1:
            parts[pending_nm1]["n3"] = e[1]
        elif tag == "N4" and pending_nm1:
            parts[pending_nm1].update(city=e[1], state=e[2], zip=e[3])
        elif tag == "DMG" and pending_nm1:
            parts[pending_nm1].update(dob=e[2], sex=e[3] or "U")
        elif tag == "REF" and e[1] in ("EI", "SY") and pending_nm1 == "85":
            parts["85"].update(tax=e[2], tax_kind="EIN" if e[1] == "EI" else "SSN")
        elif tag == "SBR":
            kind = _FILING_KIND.get(e[9], "commercial")
            payer = Payer(key="", name="", payer_id="", kind=kind)
            relationship = "18" if e[2] == "18" else relationship
        elif tag == "PAT":
            relationship = e[1]
        elif tag == "CLM":
            finish_claim()
            if billing is None or "85" in parts:
                d = parts.get("85", {})
                addr = Address(d["n3"], d["city"], d["state"], d["zip"]) if "n3" in d else None
                billing = Provider(name=d.get("last", ""), npi=d.get("id", ""), tax_id=d.get("tax"),
                                   tax_id_kind=d.get("tax_kind"), address=addr)
            subscriber = person("IL")
            patient = person("QC") if relationship != "18" and "QC" in parts else subscriber
            pos, _qual, freq = [*e[5].split(comp), "", "", ""][:3]
            current = Claim(
                kind="professional", patient_control_number=e[1], billing=billing,
                payer=payer or Payer("", "", ""), patient=patient, subscriber=subscriber,
                service_from=_dt.date.min, service_to=_dt.date.min, place_of_service=pos,
                diagnoses=[], lines=[], frequency=freq or "1", relationship=relationship,
            )
        elif tag == "REF" and e[1] == "F8" and current is not None:
            current.original_claim_id = e[2]
        elif tag == "HI" and current is not None:
            for item in seg[1:]:
                qual, _, code_ = item.partition(comp)
                current.diagnoses.append(ClaimDiagnosis(_icd(code_) if qual in ("ABK", "ABF") else code_))
        elif tag == "LX":
            finish_line()
        elif tag == "SV1" and current is not None:
            proc = e[1].split(comp)
            line = ServiceLine(
                code=proc[1], system="CPT" if proc[1][:1].isdigit() else "HCPCS",
                charge=Decimal(e[2] or "0"), units=Decimal(e[4] or "1"), date_of_service=_dt.date.min,
                modifiers=[m for m in proc[2:6] if m], unit_kind=e[3] or "UN",
                pointers=[int(x) for x in e[7].split(comp) if x.isdigit()],
                place_of_service=e[5] or current.place_of_service,
            )
        elif tag == "DTP" and e[1] == "472" and line is not None:
            line.date_of_service = _date(e[3].split("-")[0])
        elif tag == "REF" and e[1] == "6R" and line is not None:
            line.control_number = e[2] or None
        elif tag == "SE":
            finish_claim()
    finish_claim()
    return claims
