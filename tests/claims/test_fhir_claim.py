"""The FHIR R4 Claim writer: what it writes reads back through the R4B models."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from fhir.resources.R4B.claim import Claim as FhirClaim

from medcoder.claims.build import build_professional
from medcoder.claims.writers.fhir_claim import CPT, HCPCS, ICD10CM, to_fhir_claim
from medcoder.coding import code


def test_the_office_injection_claim_as_fhir(coding_kb: Any, profile: Any, patient: Any, examples: Any) -> None:
    result = code(examples / "office-injection.json", kb=coding_kb)
    claim = build_professional(result, profile, patient=patient, payer="medicare",
                               patient_control_number="DEMO-8", rendering="lee")
    doc = to_fhir_claim(claim, created=_dt.date(2026, 5, 13))
    back = FhirClaim.model_validate(json.loads(json.dumps(doc)))
    assert back.use == "claim" and back.status == "active"
    assert [d.diagnosisCodeableConcept.coding[0].code for d in back.diagnosis] == [d.code for d in result.diagnoses]
    assert back.diagnosis[0].diagnosisCodeableConcept.coding[0].system == ICD10CM
    items = [(i.productOrService.coding[0].system, i.productOrService.coding[0].code, i.quantity.value,
              [m.coding[0].code for m in i.modifier or []]) for i in back.item]
    assert items == [(HCPCS, "J1885", 2, []), (CPT, "96372", 1, []), (CPT, "99213", 1, ["25"])]
    assert float(back.total.value) == 204.0
    assert back.item[2].modifier[0].coding[0].system == CPT  # 25 is a CPT modifier


def test_a_void_names_the_claim_it_cancels(coding_kb: Any, profile: Any, patient: Any, examples: Any) -> None:
    result = code(examples / "anesthesia-record.json", kb=coding_kb)
    claim = build_professional(result, profile, patient=patient, payer="medicare",
                               patient_control_number="DEMO-9", frequency="8", original_claim_id="2026999")
    doc = to_fhir_claim(claim, created=_dt.date(2026, 6, 4))
    assert doc["status"] == "cancelled"
    assert doc["related"][0]["claim"]["identifier"]["value"] == "2026999"
    (item,) = doc["item"]
    assert item["quantity"]["code"] == "min" and item["quantity"]["value"] == 81
    assert [m["coding"][0]["system"] for m in item["modifier"]] == [HCPCS, CPT]  # QX, P2
