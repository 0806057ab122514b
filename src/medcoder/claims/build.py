"""A professional claim from a coded encounter and the practice's billing profile.

    claim = build_professional(result, profile, patient=..., payer="medicare", rendering="lee")

The diagnoses are the billing result's, in sequence (at most 12 on an 837P); the service lines
are its CPT/HCPCS procedure lines with their units, modifiers and pointers, charged from the
profile's charge master (charge per unit × units). Anesthesia lines are reported in minutes
(837P SV103 ``MJ``). Institutional claims (837I: revenue codes, type of bill, POA, PCS, DRG)
are built from the same model by the next step of the claims work.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from medcoder.claims.model import MAX_DIAGNOSES, Claim, ClaimDiagnosis, Person, ServiceLine
from medcoder.claims.profile import Profile
from medcoder.errors import InputError

CENT = Decimal("0.01")


def _is_anesthesia(code: str) -> bool:
    return code.isdigit() and 100 <= int(code) <= 1999


def build_professional(
    result: Any,
    profile: Profile,
    *,
    patient: Person,
    payer: str,
    patient_control_number: str,
    rendering: str | None = None,
    subscriber: Person | None = None,
    relationship: str = "18",
    frequency: str = "1",
    original_claim_id: str | None = None,
) -> Claim:
    """The claim for one coded encounter (``CodingResult`` in billing mode)."""
    if result.mode != "billing":
        raise InputError("a claim is built from a billing-mode result, not a mentions list", where="result.mode")
    if payer not in profile.payers:
        raise InputError(
            f"payer {payer!r} is not in the profile; known: {', '.join(sorted(profile.payers))}",
            where=f"{profile.source}: payers",
        )
    if rendering is not None and rendering not in profile.providers:
        raise InputError(
            f"rendering provider {rendering!r} is not in the profile; known: "
            f"{', '.join(sorted(profile.providers)) or 'none'}",
            where=f"{profile.source}: providers",
        )
    dos = result.date_of_service
    diagnoses = [ClaimDiagnosis(d.code) for d in result.diagnoses[: MAX_DIAGNOSES["professional"]]]
    pos = profile.place_of_service[result.setting]
    lines: list[ServiceLine] = []
    missing: list[str] = []
    for p in result.procedures:
        if p.system not in ("CPT", "HCPCS"):
            continue  # ICD-10-PCS codes go on institutional claims
        per_unit = profile.charge(p.code)
        if per_unit is None:
            missing.append(p.code)
            continue
        units = Decimal(str(p.units if p.units is not None else 1))
        lines.append(
            ServiceLine(
                code=p.code,
                system=p.system,
                charge=(per_unit * (1 if _is_anesthesia(p.code) else units)).quantize(CENT, ROUND_HALF_UP),
                units=units,
                date_of_service=dos,
                modifiers=list(p.modifiers)[:4],  # 837P SV101-3..6: four modifiers
                pointers=[i for i in p.diagnosis_pointers if i <= len(diagnoses)][:4],
                place_of_service=pos,
                unit_kind="MJ" if _is_anesthesia(p.code) else "UN",
                label=p.description,
                source_line=p.sequence or None,
            )
        )
    if missing:
        raise InputError(
            f"the charge master has no charge for {', '.join(dict.fromkeys(missing))}: add them under "
            "'charges' (a charge per unit; anesthesia: per case)",
            where=f"{profile.source}: charges",
        )
    claim = Claim(
        kind="professional",
        patient_control_number=patient_control_number,
        billing=profile.practice,
        rendering=profile.providers.get(rendering) if rendering else None,
        payer=profile.payers[payer],
        patient=patient,
        subscriber=subscriber or patient,
        relationship=relationship if subscriber else "18",
        service_from=dos,
        service_to=dos,
        place_of_service=pos,
        diagnoses=diagnoses,
        lines=lines,
        frequency=frequency,
        original_claim_id=original_claim_id,
    )
    claim.check()
    return claim
