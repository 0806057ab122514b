"""FHIR R4 (R4B models, ``fhir.resources``) Claim for a professional claim.

The Claim holds its parties as contained resources (Patient, the billing Organization, the
rendering Practitioner, the payer Organization, the Coverage), so one JSON document carries the
whole claim. Codes use their FHIR system URIs: ICD-10-CM ``http://hl7.org/fhir/sid/icd-10-cm``,
CPT ``http://www.ama-assn.org/go/cpt``, HCPCS Level II
``https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets``, CMS place of service
``https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set``, NPI
``http://hl7.org/fhir/sid/us-npi``. A replacement or void (frequency 7/8) names the claim it
replaces in ``related`` (relationship ``prior``), the void with status ``cancelled``.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

from medcoder.claims.model import Claim, Person, Provider

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NPI = "http://hl7.org/fhir/sid/us-npi"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
RELATED = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
UNITS = {"UN": ("1", "unit"), "MJ": ("min", "minute")}


def _money(d: Decimal) -> dict[str, Any]:
    return {"value": float(d), "currency": "USD"}


def _person(p: Person, pid: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "name": [{"family": p.last_name, "given": [p.first_name]}],
        "gender": {"M": "male", "F": "female"}.get(p.sex, "unknown"),
    }
    if p.birth_date:
        out["birthDate"] = p.birth_date.isoformat()
    if p.address:
        out["address"] = [{"line": [p.address.line1], "city": p.address.city,
                           "state": p.address.state, "postalCode": p.address.zip}]
    return out


def _provider(p: Provider, rid: str) -> dict[str, Any]:
    ident = [{"system": NPI, "value": p.npi}]
    if p.entity == "person":
        return {"resourceType": "Practitioner", "id": rid, "identifier": ident,
                "name": [{"family": p.name, "given": [p.first_name or ""]}]}
    return {"resourceType": "Organization", "id": rid, "identifier": ident, "name": p.name}


def _modifier_system(m: str) -> str:
    """CPT modifiers are two digits (25, 57, 59) and the physical status P1-P6; the others
    (RT, LT, GP, QX, F1, RH...) are HCPCS Level II modifiers."""
    return CPT if m.isdigit() or m in {"P1", "P2", "P3", "P4", "P5", "P6"} else HCPCS


def to_fhir_claim(claim: Claim, *, created: _dt.date | None = None) -> dict[str, Any]:
    """The claim as a FHIR R4 Claim resource (a JSON-ready dict, checked by the R4B model)."""
    from fhir.resources.R4B.claim import Claim as FhirClaim

    claim.check()
    contained: list[dict[str, Any]] = [
        _person(claim.patient, "patient"),
        _provider(claim.billing, "billing"),
        {"resourceType": "Organization", "id": "payer", "name": claim.payer.name,
         "identifier": [{"value": claim.payer.payer_id}]},
        {"resourceType": "Coverage", "id": "coverage", "status": "active",
         "beneficiary": {"reference": "#patient"}, "payor": [{"reference": "#payer"}],
         "subscriberId": claim.subscriber.member_id or ""},
    ]
    care_team = []
    if claim.rendering is not None:
        contained.append(_provider(claim.rendering, "rendering"))
        care_team.append({"sequence": 1, "provider": {"reference": "#rendering"}})
    items = []
    for n, ln in enumerate(claim.lines, start=1):
        unit_code, unit = UNITS.get(ln.unit_kind, ("1", "unit"))
        item: dict[str, Any] = {
            "sequence": n,
            "productOrService": {"coding": [{"system": CPT if ln.system == "CPT" else HCPCS, "code": ln.code}]},
            "servicedDate": ln.date_of_service.isoformat(),
            "locationCodeableConcept": {"coding": [{"system": POS, "code": ln.place_of_service or claim.place_of_service}]},
            "quantity": {"value": float(ln.units), "unit": unit, "system": "http://unitsofmeasure.org", "code": unit_code},
            "net": _money(ln.charge),
            "diagnosisSequence": list(ln.pointers),
        }
        if ln.modifiers:
            item["modifier"] = [{"coding": [{"system": _modifier_system(m), "code": m}]} for m in ln.modifiers]
        if care_team:
            item["careTeamSequence"] = [1]
        items.append(item)
    out: dict[str, Any] = {
        "resourceType": "Claim",
        "contained": contained,
        "identifier": [{"value": claim.patient_control_number}],
        "status": "cancelled" if claim.frequency == "8" else "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "professional"}]},
        "use": "claim",
        "patient": {"reference": "#patient"},
        "billablePeriod": {"start": claim.service_from.isoformat(), "end": claim.service_to.isoformat()},
        "created": (created or _dt.date.today()).isoformat(),
        "provider": {"reference": "#billing"},
        "priority": {"coding": [{"system": PRIORITY, "code": "normal"}]},
        "insurer": {"reference": "#payer"},
        "diagnosis": [
            {"sequence": i, "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": d.code}]}}
            for i, d in enumerate(claim.diagnoses, start=1)
        ],
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "#coverage"}}],
        "item": items,
        "total": _money(claim.total_charge),
    }
    if care_team:
        out["careTeam"] = care_team
    if claim.frequency in ("7", "8"):
        out["related"] = [{"claim": {"identifier": {"value": claim.original_claim_id}},
                           "relationship": {"coding": [{"system": RELATED, "code": "prior"}]}}]
    FhirClaim.model_validate(out)  # the R4B model rejects what FHIR does not allow
    return out
