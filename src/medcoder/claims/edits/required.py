"""Fields the 837P (005010X222A1) and 837I (005010X223A2) require, and claim-level sense.

Professional: billing provider NPI, tax id and a street address (not a post office box: loop
2010AA N3 — use the pay-to address for a lockbox), the patient's and subscriber's name, birth
date, sex and member id, the payer id, a place of service, line charges above zero; claim
frequency 7/8 with the payer's original claim number (REF*F8); at least one diagnosis; line
dates within the claim's dates and not in the future.
Institutional adds: type of bill (4 characters with leading 0, or 3), statement period,
admission date, type and source and discharge status for inpatient bills (11x), the attending
provider, a revenue code on every line, and POA indicators on inpatient claims
(Y, N, U, W or 1 — the exempt list aside, Medicare requires one for every diagnosis).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import FREQUENCIES, MAX_DIAGNOSES, Claim

REF_P = "ASC X12N 837 Professional Implementation Guide 005010X222A1 (required loops and elements); NUCC 1500 instructions"
REF_I = "ASC X12N 837 Institutional Implementation Guide 005010X223A2; NUBC UB-04 Data Specifications (FL4, FL6, FL12-17, FL42, FL67 POA)"
REF_POA = "ICD-10-CM Official Guidelines Appendix I (Present on Admission reporting); CMS Pub. 100-04 Ch. 3 §20.2 (HAC/POA)"
PO_BOX = re.compile(r"\b(P\.?\s*O\.?\s*BOX|POST\s+OFFICE\s+BOX|LOCKBOX)\b", re.I)
POA_VALUES = {"Y", "N", "U", "W", "1"}


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    f = FAMILY.finding
    inst = claim.kind == "institutional"
    ref = REF_I if inst else REF_P

    def need(ok: object, rule: str, what: str) -> Iterator[Finding]:
        if not ok:
            yield f(rule, "error", what, reference=ref)

    b = claim.billing
    yield from need(b.npi, "billing-npi", "the billing provider's NPI is missing (2010AA NM109)")
    yield from need(b.tax_id, "billing-tax-id", "the billing provider's tax id (EIN or SSN) is missing (2010AA REF*EI/SY)")
    if b.address is None:
        yield f("billing-address", "error", "the billing provider's address is missing (2010AA N3/N4)", reference=ref)
    elif PO_BOX.search(b.address.line1 + " " + (b.address.line2 or "")):
        yield f("billing-po-box", "error", "the billing provider's address is a post office box; 2010AA needs a "
                "street address (report a lockbox as the pay-to address, 2010AB)", reference=ref)
    for who, p in (("patient", claim.patient), ("subscriber", claim.subscriber)):
        yield from need(p.last_name and p.first_name, f"{who}-name", f"the {who}'s name is missing")
        yield from need(p.birth_date, f"{who}-birth-date", f"the {who}'s birth date is missing (DMG02)")
        if p.sex not in ("M", "F"):
            yield f(f"{who}-sex", "warning", f"the {who}'s sex is unknown (DMG03 U); many payers reject it", reference=ref)
    yield from need(claim.subscriber.member_id, "member-id", "the subscriber's member id is missing (2010BA NM109)")
    yield from need(claim.payer.payer_id, "payer-id", "the payer id is missing (2010BB NM109)")
    if claim.frequency not in FREQUENCIES:
        yield f("frequency", "error", f"claim frequency {claim.frequency!r} is not 1, 7 or 8", reference=ref)
    elif claim.frequency in ("7", "8") and not claim.original_claim_id:
        yield f("original-claim-id", "error", f"a frequency {claim.frequency} claim ({FREQUENCIES[claim.frequency]}) "
                "needs the payer's claim number of the claim it replaces (REF*F8)", reference=ref)
    if not claim.diagnoses:
        yield f("diagnosis", "error", "the claim has no diagnosis", reference=ref)
    elif len(claim.diagnoses) > MAX_DIAGNOSES[claim.kind]:
        yield f("too-many-diagnoses", "error", f"{len(claim.diagnoses)} diagnoses; the {'837I' if inst else '837P'} "
                f"carries {MAX_DIAGNOSES[claim.kind]}", reference=ref)
    if not claim.lines:
        yield f("lines", "error", "the claim has no service lines", reference=ref)
    today = _dt.date.today()
    for n, ln in enumerate(claim.lines, start=1):
        if ln.charge <= 0:
            yield f("line-charge", "warning", f"line {n} {ln.code}: charge {ln.charge}; payers deny zero-charge lines",
                    lines=[n], reference=ref)
        if ln.date_of_service > today:
            yield f("future-date", "error", f"line {n}: date of service {ln.date_of_service} is in the future",
                    lines=[n], reference=ref)
        if not claim.service_from <= ln.date_of_service <= claim.service_to:
            yield f("line-date", "error", f"line {n}: date {ln.date_of_service} is outside the claim's dates "
                    f"{claim.service_from} to {claim.service_to}", lines=[n], reference=ref)
        if not inst and not (ln.place_of_service or claim.place_of_service):
            yield f("place-of-service", "error", f"line {n}: no place of service", lines=[n], reference=ref)
        if inst and not ln.revenue_code:
            yield f("revenue-code", "error", f"line {n} {ln.code}: an institutional line needs a revenue code (SV201, FL42)",
                    lines=[n], reference=ref)
        elif inst and not re.fullmatch(r"0?\d{3}", ln.revenue_code or ""):
            yield f("revenue-code", "error", f"line {n}: revenue code {ln.revenue_code!r} is not four digits",
                    lines=[n], reference=ref)
    if not inst:
        if claim.rendering is None and claim.billing.entity == "organization":
            yield f("rendering-provider", "warning", "no rendering provider: a group practice reports the individual "
                    "who furnished the service (2310B)", reference=ref)
        return
    tob = (claim.type_of_bill or "").lstrip("0")
    if not re.fullmatch(r"[1-8]\d[0-9A-Z]", tob):
        yield f("type-of-bill", "error", f"type of bill {claim.type_of_bill!r} is not facility type + care type + "
                "frequency (e.g. 0111)", reference=ref)
    elif tob[2] != claim.frequency and tob[2] in "178":
        yield f("type-of-bill-frequency", "error", f"type of bill {claim.type_of_bill} ends in {tob[2]} but the claim "
                f"frequency is {claim.frequency}", reference=ref)
    inpatient = tob[:2] in ("11", "12", "18", "21", "41")
    if claim.attending is None:
        yield f("attending", "error", "the attending provider (NPI) is missing (2310A, FL76)", reference=ref)
    yield from need(claim.discharge_status, "discharge-status", "the patient discharge status is missing (CL103, FL17)")
    if inpatient:
        yield from need(claim.admission_date, "admission-date", "the admission date is missing (DTP*435, FL12)")
        yield from need(claim.admission_type, "admission-type", "the admission type is missing (CL101, FL14)")
        yield from need(claim.admission_source, "admission-source", "the point of origin is missing (CL102, FL15)")
        if claim.admission_date and claim.admission_date > claim.service_from:
            yield f("admission-after-statement", "error", f"admission {claim.admission_date} is after the statement "
                    f"period starts ({claim.service_from})", reference=ref)
        if claim.payer.kind == "medicare":
            missing = [i for i, d in enumerate(claim.diagnoses, start=1) if (d.poa or "") not in POA_VALUES]
            if missing:
                yield f("poa", "error", "present-on-admission indicator missing or invalid for diagnosis "
                        + ", ".join(f"{i} {claim.diagnoses[i - 1].code}" for i in missing)
                        + " (Y, N, U, W, or 1 for exempt codes)", diagnoses=missing, reference=REF_POA)


FAMILY = Family(name="required", title="Required fields (837P / 837I)", reference=REF_P, check=_check)
