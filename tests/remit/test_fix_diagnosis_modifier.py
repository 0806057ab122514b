"""Corrected claims for diagnosis and modifier denials beyond the YAML scenarios: a claim-level
denial, a person's choice among the replacements, two diagnosis changes on one claim, and the
bad values a person can give when approving a change. ICD-10-CM answers come from the bundled
tabular and medcoder's code history."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from remit_claim_parts import BILLING, MEDICARE, PATIENT

from medcoder.claims.model import Claim
from medcoder.claims.serialize import claim_from_dict
from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import InputError
from medcoder.remit.fix import corrected_claim, propose_corrections
from medcoder.remit.fix.corrected import APPLY, REVIEW, Change
from medcoder.remit.generate import adjudicate
from medcoder.remit.model import Adjustment, ClaimPayment, Denial

BASE: dict[str, Any] = {
    "kind": "professional",
    "patient_control_number": "PCN-DX1",
    "billing": BILLING,
    "payer": MEDICARE,
    "patient": PATIENT,
    "place_of_service": "11",
}


def make_claim(date: str, diagnoses: list[str], *lines: dict[str, Any]) -> Claim:
    data = copy.deepcopy(BASE)
    data.update(date=date, diagnoses=diagnoses, lines=[{"charge": 100, "pointers": [1], **ln} for ln in lines])
    return claim_from_dict(data)


def claim_denial(pay: ClaimPayment, carc: str, rarcs: tuple[str, ...] = ()) -> Denial:
    return Denial(pay.patient_control_number, pay.payer_claim_id, None, None, "coding-bundling",
                  "Coding / bundling (NCCI)", "CO", (carc,), rarcs, pay.charge, "corrected-claim",
                  "Correct the claim and resubmit it", True, "the payer rejected a diagnosis",
                  "X12 CARC wording")


def line_denial(pay: ClaimPayment, line: int, carc: str) -> Denial:
    s = pay.lines[line - 1]
    return Denial(pay.patient_control_number, pay.payer_claim_id, line, s.code, "modifier", "Modifier", "CO",
                  (carc,), (), s.charge, "corrected-claim", "Correct the claim and resubmit it", True,
                  "the payer rejected a modifier", "X12 CARC wording")


def denied_claim(claim: Claim, carc: str) -> ClaimPayment:
    pay = adjudicate(claim, "denied", denial=(carc, None))
    pay.adjustments = [Adjustment("CO", carc, sum((s.charge for s in pay.lines), Decimal(0)))]
    return pay


def test_a_claim_level_denial_checks_every_diagnosis(tabular_kb: KnowledgeBase) -> None:
    c = make_claim("2021-06-01", ["I10", "I48.1", "F32.A"], {"code": "99213", "charge": 145, "pointers": [1]},
                   {"code": "93000", "charge": 60, "pointers": [2, 3]})
    pay = denied_claim(c, "146")
    changes = propose_corrections(c, pay, [claim_denial(pay, "146")], kb=tabular_kb)
    assert [(ch.where, ch.before, ch.after, ch.status) for ch in changes] == [
        ("claim.diagnoses[2]", "I48.1", "", REVIEW), ("claim.diagnoses[3]", "F32.A", "F32.9", APPLY)]
    assert all(ch.line is None and ch.why.startswith("the claim denied CO-146") for ch in changes)
    # the coder chooses I48.19 for the pending one; both apply, the highest position first
    chosen = [changes[0].approved("I48.19"), changes[1]]
    fixed = corrected_claim(c, pay, chosen, kb=tabular_kb)
    assert [d.code for d in fixed.claim.diagnoses] == ["I10", "I48.19", "F32.9"]
    assert [ln.pointers for ln in fixed.claim.lines] == [[1], [2, 3]]
    assert not [f for f in fixed.findings if f.rule.startswith("validity/")]
    assert [d.code for d in c.diagnoses] == ["I10", "I48.1", "F32.A"]  # the original is untouched


def test_a_merge_and_a_replacement_renumber_the_pointers(tabular_kb: KnowledgeBase) -> None:
    c = make_claim("2021-06-01", ["I48.1", "F32.A", "F32.9", "I10"], {"code": "99213", "charge": 145,
                   "pointers": [1, 2]}, {"code": "93000", "charge": 60, "pointers": [2, 3, 4]})
    pay = denied_claim(c, "146")
    first, second = propose_corrections(c, pay, [claim_denial(pay, "146")], kb=tabular_kb)
    assert second.after == "F32.9" and "already on the claim" in second.why
    fixed = corrected_claim(c, pay, [first.approved("I48.11"), second], kb=tabular_kb)
    assert [d.code for d in fixed.claim.diagnoses] == ["I48.11", "F32.9", "I10"]
    assert [ln.pointers for ln in fixed.claim.lines] == [[1, 2], [2, 3]]
    assert fixed.pending == [] and len(fixed.changes) == 2


def test_several_replacements_are_only_offered(tabular_kb: KnowledgeBase) -> None:
    c = make_claim("2026-07-15", ["M54.5"], {"code": "99213", "charge": 145})
    pay = denied_claim(c, "146")
    (ch,) = propose_corrections(c, pay, [claim_denial(pay, "146")], kb=tabular_kb,
                                documentation="Low back pain, vertebrogenic (M54.51), worse after lifting.")
    assert ch.status == REVIEW and ch.options == ("M54.50", "M54.51", "M54.59") and ch.after == ""
    assert "Low back pain, vertebrogenic (M54.51), worse after lifting." in ch.evidence  # a hint, not a choice
    fixed = corrected_claim(c, pay, [ch])
    assert fixed.pending == [ch] and [d.code for d in fixed.claim.diagnoses] == ["M54.5"]
    with pytest.raises(InputError, match="not one of the options") as e:
        ch.approved("M54.9")
    assert e.value.where == "claim.diagnoses[1]"
    assert [d.code for d in corrected_claim(c, pay, [ch.approved("m5451")]).claim.diagnoses] == ["M54.51"]


def test_a_stale_diagnosis_change_is_refused(tabular_kb: KnowledgeBase) -> None:
    c = make_claim("2021-06-01", ["F32.A"], {"code": "99213", "charge": 145})
    pay = denied_claim(c, "146")
    stale = Change("replace-diagnosis", None, "claim.diagnoses[1]", "F32.9", "F32.0", "test")
    with pytest.raises(InputError, match=r"diagnosis 1 is F32\.A, not F32\.9") as e:
        corrected_claim(c, pay, [stale])
    assert e.value.where == "claim.diagnoses[1]"
    nowhere = Change("replace-diagnosis", None, "claim.diagnoses[4]", "F32.A", "F32.9", "test")
    with pytest.raises(InputError, match="the claim has 1"):
        corrected_claim(c, pay, [nowhere])


@pytest.mark.parametrize(("value", "words"), [("25:R", "'R' is not a modifier"),
                                                ("RT:LT:25:59:XS", "5 modifiers; a line carries 4")])
def test_modifiers_a_person_gives_are_checked(tabular_kb: KnowledgeBase, value: str, words: str) -> None:
    c = make_claim("2026-07-15", ["M17.11"], {"code": "20610", "charge": 150, "modifiers": ["RT"]})
    pay = adjudicate(c, "denied", denial=("182", None))
    (ch,) = propose_corrections(c, pay, [line_denial(pay, 1, "182")], kb=tabular_kb)
    assert ch.status == REVIEW and ch.options == ()  # no HCPCS file: RT could not be checked
    assert "the HCPCS modifier list for 2026-07-15 is not loaded, so RT could not be checked" in ch.why
    with pytest.raises(InputError, match=words) as e:
        corrected_claim(c, pay, [ch.approved(value)])
    assert e.value.where == "claim.lines[1].modifiers"
    assert corrected_claim(c, pay, [ch.approved("LT")]).claim.lines[0].modifiers == ["LT"]
    assert corrected_claim(c, pay, [ch.approved("(none)")]).claim.lines[0].modifiers == []
