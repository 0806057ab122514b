"""Claims from the workbench's current codes: build, scrub, price, write; remits matched back.

The claim is built from the encounter's final codes (accepted, edited, added; in sequence) with
the billing profile of ``Settings.billing_profile`` (the bundled example profile in development
and test), the way ``medcoder bill`` does it: professional claims for office, emergency and
ambulance encounters, institutional (837I) for inpatient stays when the profile has a
``facility`` section. The patient control number is ``WB<encounter id>`` so that a remittance
finds its encounter.
"""

from __future__ import annotations

import datetime as _dt
import json
from importlib import resources
from pathlib import Path
from typing import Any

from medcoder.errors import DataError, InputError
from medcoder.workbench.errors import ConfigError, Conflict
from medcoder.workbench.events import final_codes
from medcoder.workbench.settings import Settings

__all__ = ["RELEASE_FORMATS", "build", "control_number", "load_billing_profile", "price",
           "stored_claim", "write"]

RELEASE_FORMATS = {
    "837p": ("application/edi-x12", ".837"),
    "837i": ("application/edi-x12", ".837"),
    "fhir": ("application/fhir+json", ".fhir.json"),
}


def control_number(encounter_id: int) -> str:
    return f"WB{encounter_id}"


def stored_claim(state: dict[str, Any] | Any) -> Any:
    """The Claim of the encounter's last ``claim_built`` event (for a released encounter: the
    claim that went out), read back with ``claims.serialize.claim_from_dict``; None when the
    state holds none."""
    from medcoder.claims.serialize import claim_from_dict

    stored = (state.get("claim") or {}).get("claim")
    if not stored:
        return None
    return claim_from_dict(stored, source="workbench", check=False)


def load_billing_profile(settings: Settings) -> Any:
    from medcoder.claims.profile import load_profile

    if settings.billing_profile:
        return load_profile(settings.billing_profile)
    if settings.env == "production":
        raise ConfigError(
            "no billing profile: set MEDCODER_BILLING_PROFILE to the practice's profile (YAML)",
            where="MEDCODER_BILLING_PROFILE",
        )
    example = resources.files("medcoder") / "examples" / "practice-profile.yaml"
    return load_profile(Path(str(example)))


def price(settings: Settings, kb: Any, claim: Any, payer: str | None = None) -> Any:
    """The claim's ``ClaimPrice`` with the billing profile's pricing section (what pricing
    expects the payer to allow); DataError when a fee schedule it needs is not loaded,
    InputError for a bad pricing section or contract file."""
    from medcoder.claims.pricing import price_claim

    pricing, base_dir = load_billing_profile(settings).pricing()
    return price_claim(claim, kb, pricing=pricing, payer_key=payer, base_dir=base_dir)


def _patient(patient: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    from medcoder.claims.serialize import _R

    findings: list[dict[str, Any]] = []
    if patient.get("last_name") and patient.get("first_name"):
        return _R("encounter.patient").person(patient, "patient"), findings
    from medcoder.claims.model import Person

    findings.append({
        "edit": "workbench", "rule": "workbench/patient", "severity": "error",
        "message": "the patient's name (and birth date, member id) are not on the encounter; "
                   "give them at ingest before releasing the claim",
        "reference": "837 loop 2010BA", "lines": [], "diagnoses": [], "codes": [],
    })
    sex = str(patient.get("sex") or "U").upper()
    return Person("UNKNOWN", "PATIENT", None, sex if sex in ("M", "F", "U") else "U"), findings


def _result(state: dict[str, Any]) -> Any:
    """A billing-mode CodingResult holding the encounter's final codes."""
    from medcoder.dates import parse_date
    from medcoder.result import CodeSuggestion, CodingResult

    dx = final_codes(state, "diagnosis")
    px = final_codes(state, "procedure")
    if not dx:
        raise Conflict("the encounter has no accepted, edited or added diagnosis to bill")
    dx_pos = {e["code"]: i for i, e in enumerate(dx, 1)}
    suggested = [s["code"] for s in (state.get("suggestions") or {}).get("diagnoses", [])]
    sugg_px = {s["code"]: s for s in (state.get("suggestions") or {}).get("procedures", [])}
    procedures = []
    for i, e in enumerate(px, 1):
        old = sugg_px.get(e.get("original_code") or e["code"], {})
        pointers = [dx_pos[suggested[p - 1]] for p in old.get("diagnosis_pointers") or []
                    if 0 < p <= len(suggested) and suggested[p - 1] in dx_pos]
        system = e.get("system") or ("CPT" if e["code"][:1].isdigit() else "HCPCS")
        procedures.append(CodeSuggestion(
            code=e["code"], system=system, description=e.get("title") or "", sequence=i,
            units=e.get("units") if e.get("units") is not None else 1,
            modifiers=list(e.get("modifiers") or []),
            diagnosis_pointers=pointers or list(range(1, min(4, len(dx)) + 1)),
        ))
    return CodingResult(
        text="", setting=state.get("setting") or "outpatient", mode="billing",
        date_of_service=parse_date(state.get("date_of_service")),
        diagnoses=[CodeSuggestion(code=e["code"], system="ICD-10-CM",
                                  description=e.get("title") or "", sequence=i)
                   for i, e in enumerate(dx, 1)],
        procedures=procedures,
    )


def build(settings: Settings, kb: Any, encounter_id: int, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(claim, view): the Claim and {"claim", "edits", "payment", "clean"} for the page."""
    from medcoder.claims.edits import scrub
    from medcoder.claims.serialize import claim_to_dict

    profile = load_billing_profile(settings)
    result = _result(state)
    patient, findings = _patient(dict(state.get("patient") or {}))
    payer = str(state.get("payer") or "")
    if payer not in profile.payers:
        payer = next(iter(profile.payers))
    pcn = control_number(encounter_id)
    if result.setting == "inpatient" and "facility" in profile.sections:
        from medcoder.claims.build_institutional import build_institutional

        dos = result.date_of_service
        claim = build_institutional(result, profile, patient=patient, payer=payer,
                                    patient_control_number=pcn, admission_date=dos,
                                    discharge_date=dos + _dt.timedelta(days=1))
    else:
        from medcoder.claims.build import build_professional

        claim = build_professional(result, profile, patient=patient, payer=payer,
                                   patient_control_number=pcn,
                                   rendering=next(iter(profile.providers), None))
    report = scrub(claim, kb)
    edits = findings + [f.to_dict() for f in report.findings]
    payment: dict[str, Any] | None
    try:
        payment = price(settings, kb, claim, payer).to_dict()
    except DataError as exc:  # a fee schedule is not loaded: the claim is still built
        payment = {"priced": False, "reason": exc.message}
    view = {
        "claim": json.loads(json.dumps(claim_to_dict(claim), default=str)),
        "edits": edits,
        "payment": json.loads(json.dumps(payment, default=str)),
        "clean": not any(f["severity"] == "error" for f in edits),
    }
    return claim, view


def write(settings: Settings, claim: Any, fmt: str) -> tuple[str, str, str]:
    """(filename, media type, content) of the claim in ``fmt`` (837p, 837i, fhir)."""
    if fmt not in RELEASE_FORMATS:
        raise InputError(f"unknown claim format {fmt!r}; expected one of: {', '.join(RELEASE_FORMATS)}",
                         where="fmt")
    media, suffix = RELEASE_FORMATS[fmt]
    name = f"{claim.patient_control_number}{suffix}"
    if fmt == "fhir":
        from medcoder.claims.writers.fhir_claim import to_fhir_claim

        return name, media, json.dumps(to_fhir_claim(claim), indent=2, default=str) + "\n"
    if (fmt == "837p") != (claim.kind == "professional"):
        raise Conflict(f"a {claim.kind} claim is not written as {fmt}; use "
                       f"{'837p' if claim.kind == 'professional' else '837i'}")
    profile = load_billing_profile(settings)
    sub = profile.sections.get("submitter") or {}
    if not sub.get("phone"):
        raise ConfigError("the 837 needs a submitter contact phone: add submitter: {phone: ...} "
                          "to the billing profile", where=f"{profile.source}: submitter.phone")
    submitter: dict[str, Any] = {"submitter_name": str(sub.get("name") or profile.practice.name),
                 "submitter_id": str(sub.get("id") or profile.practice.npi),
                 "contact_name": str(sub.get("contact") or "Billing Office"),
                 "contact_phone": str(sub["phone"])}
    if fmt == "837p":
        from medcoder.claims.writers.x837p import write_837p

        return name, media, write_837p(claim, **submitter)
    from medcoder.claims.writers.x837i import write_837i

    return name, media, write_837i(claim, **submitter)
