"""Corrected claims and appeal letters for denied 835 lines.

NCCI PTP and MUE tables are the scrubber's hand-written fixtures (tests/fixtures/ncci/scrubber:
invented pairs and values in the CMS layouts, release 2026Q3), so those claims carry dates of
service in July 2026. Denials are built directly from the model, as the denial classifier would
produce them. CARC/RARC wording in the appeal comes from the X12 lists in ../shared.
"""

from __future__ import annotations

import copy
import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from remit_claim_parts import BILLING, MEDICARE, PATIENT, RENDERING, submitter

from medcoder.claims.model import Claim
from medcoder.claims.serialize import claim_from_dict
from medcoder.claims.validate import validate_x12
from medcoder.claims.writers.x837p import write_837p
from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import InputError
from medcoder.remit.fix import appeal_letter, appeal_pdf, corrected_claim, propose_corrections
from medcoder.remit.fix.corrected import REVIEW
from medcoder.remit.model import Adjustment, ClaimPayment, Denial, ServicePayment

D = Decimal
SCRUBBER = Path(__file__).resolve().parents[1] / "fixtures" / "ncci" / "scrubber"
Q3 = "2026-07-15"
SUBMITTER = submitter(_dt.datetime(2026, 8, 12, 9, 30))
BASE: dict[str, Any] = {
    "kind": "professional",
    "patient_control_number": "PCN-F1",
    "billing": BILLING,
    "rendering": RENDERING,
    "payer": MEDICARE,
    "patient": PATIENT,
    "date": Q3,
    "place_of_service": "11",
    "diagnoses": ["M17.11", "E11.9"],
}


def make_claim(*lines: dict[str, Any], **over: Any) -> Claim:
    data = copy.deepcopy(BASE)
    data.update(over)
    data["lines"] = [{"charge": 100, "pointers": [1], **ln} for ln in lines]
    return claim_from_dict(data)


def payment_for(claim: Claim, denied: dict[int, tuple[str, str]], *, rarcs: dict[int, list[str]] | None = None,
                payer_claim_id: str | None = "2026200000042") -> ClaimPayment:
    """An 835 claim for ``claim``: the lines in ``denied`` (line → (group, CARC)) paid nothing."""
    lines = []
    for n, ln in enumerate(claim.lines, start=1):
        adj = [Adjustment(*denied[n], ln.charge)] if n in denied else [Adjustment("CO", "45", ln.charge / 2)]
        lines.append(ServicePayment(code=ln.code, qualifier="HC", modifiers=list(ln.modifiers), charge=ln.charge,
                                    paid=D(0) if n in denied else ln.charge / 2, date_from=ln.date_of_service,
                                    units_paid=ln.units, adjustments=adj, remarks=(rarcs or {}).get(n, [])))
    return ClaimPayment(claim.patient_control_number, "1", claim.total_charge, sum((s.paid for s in lines), D(0)),
                        D(0), "MB", payer_claim_id, patient={"last": "DOE", "first": "JOHN", "id": "1EG4TE5MK73"},
                        lines=lines)


def denial(payment: ClaimPayment, line: int | None, carcs: tuple[str, ...], rarcs: tuple[str, ...] = (), *,
           category: str = "coding-bundling", label: str = "Coding / bundling (NCCI)",
           reference: str = "CARC wording (X12 external code list)", denied: bool = True) -> Denial:
    s = payment.lines[line - 1] if line else None
    return Denial(payment.patient_control_number, payment.payer_claim_id, line, s.code if s else None, category,
                  label, "OA" if category == "duplicate" else "CO", carcs, rarcs,
                  s.charge if s else payment.charge, "corrected-claim", "Send a corrected claim", True,
                  "the payer bundled or rejected the service", reference, denied)


@pytest.fixture
def fix_kb(tabular_kb: KnowledgeBase) -> KnowledgeBase:
    tabular_kb.import_file("ncci-ptp-practitioner", SCRUBBER / "ccipra-v322r0-f1.txt")
    tabular_kb.import_file("mue-practitioner", SCRUBBER / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv")
    return tabular_kb


def written_ok(tmp_path: Path, claim: Claim) -> str:
    text = write_837p(claim, **SUBMITTER)
    path = tmp_path / "corrected.837"
    path.write_text(text, encoding="ascii")
    v = validate_x12(path)
    assert v.ok, v.errors
    return text


def seg(text: str, tag: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip().startswith(tag)]


# -- modifier 25 ------------------------------------------------------------------------------------
NOTE_25 = ("Right knee pain, injection performed today. Also evaluated: type 2 diabetes, a separate problem; "
           "A1c reviewed and metformin continued. Assessment and plan documented separately.")


def test_modifier_25_applied_when_the_record_shows_a_separate_em(tmp_path: Path, fix_kb: KnowledgeBase) -> None:
    c = make_claim({"code": "99213", "charge": 145, "pointers": [2]}, {"code": "20610", "charge": 150})
    pay = payment_for(c, {1: ("CO", "97")}, rarcs={1: ["M15"]})
    (ch,) = propose_corrections(c, pay, [denial(pay, 1, ("97",), ("M15",))], kb=fix_kb, documentation=NOTE_25)
    assert (ch.kind, ch.line, ch.after, ch.status, ch.where) == ("add-modifier", 1, "25", "apply",
                                                                  "claim.lines[1].modifiers")
    assert any("separate problem" in e for e in ch.evidence) and "CO-97" in ch.why and "M15" in ch.why
    fixed = corrected_claim(c, pay, [ch], kb=fix_kb)
    assert fixed.claim.frequency == "7" and fixed.claim.original_claim_id == "2026200000042"
    assert fixed.claim.lines[0].modifiers == ["25"] and c.lines[0].modifiers == []  # the original untouched
    assert fixed.scrub is not None and "ncci-ptp" in fixed.scrub.families_run and fixed.scrub.clean
    text = written_ok(tmp_path, fixed.claim)
    assert seg(text, "CLM")[0].split("*")[5] == "11:B:7"
    assert seg(text, "REF*F8") == ["REF*F8*2026200000042"]
    assert "SV1*HC:99213:25*145" in text
    assert fixed.to_dict()["changes"][0]["after"] == "25"


@pytest.mark.parametrize("doc", [None, "Right knee pain. Injection performed. Tolerated well."])
def test_modifier_25_without_supporting_documentation_waits_for_review(fix_kb: KnowledgeBase, doc: str | None) -> None:
    c = make_claim({"code": "99213", "charge": 145}, {"code": "20610", "charge": 150})
    pay = payment_for(c, {1: ("CO", "97")})
    (ch,) = propose_corrections(c, pay, [denial(pay, 1, ("97",))], kb=fix_kb, documentation=doc)
    assert ch.status == REVIEW and ch.evidence == ()
    assert ("no documentation was given" if doc is None else "shows no separate problem") in ch.why
    fixed = corrected_claim(c, pay, [ch])
    assert fixed.changes == [] and fixed.pending == [ch] and fixed.claim.lines[0].modifiers == []
    assert fixed.scrub is None
    approved = corrected_claim(c, pay, [ch.approved()])
    assert approved.claim.lines[0].modifiers == ["25"]


# -- NCCI distinct-service modifiers ----------------------------------------------------------------
def test_xs_on_the_column_2_line_when_the_record_shows_a_separate_site(tmp_path: Path, fix_kb: KnowledgeBase) -> None:
    c = make_claim({"code": "29881", "charge": 900, "modifiers": ["RT"]}, {"code": "29877", "charge": 700})
    pay = payment_for(c, {2: ("CO", "97")}, rarcs={2: ["M15"]})
    doc = "Arthroscopic meniscectomy of the right knee. Chondroplasty performed on the contralateral knee."
    (ch,) = propose_corrections(c, pay, [denial(pay, 2, ("97",), ("M15",))], kb=fix_kb, documentation=doc)
    assert (ch.line, ch.after, ch.status) == (2, "XS", "apply")
    assert "29881/29877" in ch.why and "modifier indicator 1" in ch.why
    assert ch.evidence == ("Chondroplasty performed on the contralateral knee.",)
    fixed = corrected_claim(c, pay, [ch], kb=fix_kb)
    assert fixed.claim.lines[1].modifiers == ["XS"]
    assert any(f.rule == "ncci-ptp/bypassed" for f in fixed.findings)  # the scrubber notes the bypass
    assert "SV1*HC:29877:XS*700" in written_ok(tmp_path, fixed.claim)
    # no documentation: the modifiers are offered, nothing is applied until a person chooses
    (review,) = propose_corrections(c, pay, [denial(pay, 2, ("97",))], kb=fix_kb)
    assert review.status == REVIEW and review.options == ("XE", "XS", "XP", "XU", "59")
    with pytest.raises(InputError, match="not one of the options"):
        review.approved("25")
    assert corrected_claim(c, pay, [review.approved("XU")]).claim.lines[1].modifiers == ["XU"]


def test_an_indicator_0_pair_is_never_bypassed(fix_kb: KnowledgeBase) -> None:
    c = make_claim({"code": "20611", "charge": 200}, {"code": "20610", "charge": 150})
    pay = payment_for(c, {2: ("CO", "97")})
    assert propose_corrections(c, pay, [denial(pay, 2, ("97",))], kb=fix_kb,
                               documentation="separate site, contralateral knee") == []


# -- pointers, codes, units, void -------------------------------------------------------------------
def test_pointer_moved_to_the_diagnosis_that_supports_the_line(fix_kb: KnowledgeBase) -> None:
    c = make_claim({"code": "99213", "charge": 145}, {"code": "20610", "charge": 150, "pointers": [2]})
    pay = payment_for(c, {2: ("CO", "11")})
    doc = "Procedure: 20610 right knee injection for M17.11 osteoarthritis."
    (ch,) = propose_corrections(c, pay, [denial(pay, 2, ("11",), category="medical-necessity",
                                                label="Medical necessity")], kb=fix_kb, documentation=doc)
    assert (ch.kind, ch.before, ch.after, ch.status) == ("set-pointers", "2", "1 2", "apply")
    assert ch.evidence == (doc,)
    assert corrected_claim(c, pay, [ch]).claim.lines[1].pointers == [1, 2]
    # a line that points only at an external cause code: the first diagnosis that can support it
    c2 = make_claim({"code": "20610", "charge": 150, "pointers": [2]}, diagnoses=["S83.241A", "W19.XXXA"])
    pay2 = payment_for(c2, {1: ("CO", "16")}, rarcs={1: ["M76"]})
    (ch2,) = propose_corrections(c2, pay2, [denial(pay2, 1, ("16",), ("M76",))], kb=fix_kb)
    assert (ch2.after, ch2.status) == ("1", "apply") and "W19.XXXA" in ch2.evidence[0]
    # nothing tells: the other diagnoses are offered
    (ch3,) = propose_corrections(c, pay, [denial(pay, 2, ("11",))], kb=fix_kb)
    assert ch3.status == REVIEW and ch3.options == ("1",)


def test_deleted_code_replaced_from_the_code_history(tmp_path: Path, fix_kb: KnowledgeBase) -> None:
    c = make_claim({"code": "99201", "charge": 90}, date="2025-11-03")
    pay = payment_for(c, {1: ("CO", "181")})
    (ch,) = propose_corrections(c, pay, [denial(pay, 1, ("181",), category="missing-info",
                                                label="Missing or invalid information")], kb=fix_kb)
    assert (ch.kind, ch.before, ch.after, ch.status) == ("replace-code", "99201", "99202", "apply")
    assert "deleted on 2021-01-01" in ch.why
    fixed = corrected_claim(c, pay, [ch], kb=fix_kb)
    assert fixed.claim.lines[0].code == "99202"
    assert not [f for f in fixed.findings if f.rule.startswith("validity/")]
    assert "SV1*HC:99202*90" in written_ok(tmp_path, fixed.claim)
    # two replacements: the record decides, or a person does
    obs = make_claim({"code": "99217", "charge": 120}, date="2025-11-03", place_of_service="22")
    pay2 = payment_for(obs, {1: ("CO", "181")})
    (two,) = propose_corrections(obs, pay2, [denial(pay2, 1, ("181",))], kb=fix_kb)
    assert two.status == REVIEW and two.options == ("99238", "99239")
    (named,) = propose_corrections(obs, pay2, [denial(pay2, 1, ("181",))], kb=fix_kb,
                                   documentation="Discharge management, 99239, more than 30 minutes.")
    assert (named.after, named.status) == ("99239", "apply")


def test_units_reduced_to_the_mue(tmp_path: Path, fix_kb: KnowledgeBase) -> None:
    c = make_claim({"code": "99213", "charge": 145}, {"code": "96372", "charge": 240, "units": 6})
    pay = payment_for(c, {2: ("CO", "151")}, rarcs={2: ["N362"]})
    (ch,) = propose_corrections(c, pay, [denial(pay, 2, ("151",), ("N362",))], kb=fix_kb)
    assert (ch.kind, ch.before, ch.after, ch.status) == ("reduce-units", "6", "4", "apply")
    assert "MUE of 4" in ch.why and "MAI 3" in ch.why and "appeal" in ch.why
    fixed = corrected_claim(c, pay, [ch], kb=fix_kb)
    ln = fixed.claim.lines[1]
    assert (ln.units, ln.charge) == (D("4"), D("160.00"))
    assert not [f for f in fixed.findings if f.edit == "mue"]
    assert "SV1*HC:96372*160*UN*4" in written_ok(tmp_path, fixed.claim)


def test_a_duplicate_is_voided(tmp_path: Path, fix_kb: KnowledgeBase) -> None:
    c = make_claim({"code": "99213", "charge": 145})
    pay = payment_for(c, {1: ("OA", "18")})
    (ch,) = propose_corrections(c, pay, [denial(pay, None, ("18",), category="duplicate", label="Duplicate")],
                                kb=fix_kb)
    assert (ch.kind, ch.after, ch.line) == ("void", "8", None)
    fixed = corrected_claim(c, pay, [ch], kb=fix_kb)
    assert fixed.claim.frequency == "8" and fixed.claim.original_claim_id == "2026200000042"
    assert seg(written_ok(tmp_path, fixed.claim), "CLM")[0].split("*")[5] == "11:B:8"


def test_a_replacement_needs_the_payer_claim_number() -> None:
    c = make_claim({"code": "99213", "charge": 145})
    pay = payment_for(c, {1: ("CO", "97")}, payer_claim_id=None)
    with pytest.raises(InputError, match="CLP07") as exc:
        corrected_claim(c, pay, [])
    assert exc.value.where == "payment.payer_claim_id"


# -- appeal -----------------------------------------------------------------------------------------
@pytest.fixture
def describe(kb: KnowledgeBase, shared_data: Path) -> Any:
    kb.import_file("carc", shared_data / "carc_rarc" / "claim_adjustment_reason_codes.csv")
    kb.import_file("rarc", shared_data / "carc_rarc" / "remittance_advice_remark_codes.csv")
    return lambda kind, code: kb.open(kind, "2026-07-15").reader.get(code).description


@pytest.mark.shared
def test_appeal_letter_and_pdf(tmp_path: Path, describe: Any) -> None:
    c = make_claim({"code": "99213", "charge": 145}, {"code": "20610", "charge": 150})
    pay = payment_for(c, {1: ("CO", "97")}, rarcs={1: ["M15"]})
    d = denial(pay, 1, ("97",), ("M15",), reference="NCCI Policy Manual Ch. XI §D (modifier 25)")
    text = appeal_letter(c, pay, [d], excerpts=["Also evaluated: type 2 diabetes, a separate problem."],
                         describe=describe, contact={"name": "Pat Biller", "phone": "217-555-0100"},
                         on=_dt.date(2026, 8, 12))
    assert "Patient control number (CLP01): PCN-F1" in text and "Payer claim number (CLP07): 2026200000042" in text
    assert "Member id: 1EG4TE5MK73" in text and "Dates of service: 07/15/2026" in text
    assert "| 1 | 07/15/2026 | 99213 |  | $145.00 | $0.00 | CO 97 | M15 |" in text
    assert "- CARC 97: The benefit for this service is included in the payment/allowance" in text
    assert "- RARC M15: Separately billed services/tests have been bundled" in text
    assert "> Also evaluated: type 2 diabetes, a separate problem.\n> — excerpt from the medical record" in text
    assert "Applicable rule: NCCI Policy Manual Ch. XI §D (modifier 25)" in text
    assert "overturn the denial" in text and "Pat Biller" in text and "Date: August 12, 2026" in text
    plain = appeal_letter(c, pay, [d], on=_dt.date(2026, 8, 12))
    assert "- CARC 97\n" in plain and "excerpt from the medical record" not in plain
    folder = tmp_path / "letters"
    folder.mkdir()
    out = appeal_pdf(text, folder / "appeal.pdf")
    assert out == folder / "appeal.pdf" and [p.name for p in folder.iterdir()] == ["appeal.pdf"]
    pdf = pdfium.PdfDocument(out.read_bytes())
    words = " ".join(" ".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf)))
    assert "2026200000042" in words and "PCN-F1" in words
    assert "The benefit for this service is included in the payment/allowance" in words
    assert "excerpt from the medical record" in words


def test_appeal_for_a_reduced_line_asks_to_reprocess_and_needs_a_denial() -> None:
    c = make_claim({"code": "99213", "charge": 145})
    pay = payment_for(c, {})
    d = denial(pay, 1, ("45",), category="contractual", label="Contractual", denied=False)
    text = appeal_letter(c, pay, [d], on=_dt.date(2026, 8, 12))
    assert "reprocess the services above and pay them at the correct allowed amount" in text
    with pytest.raises(InputError, match="at least one denial"):
        appeal_letter(c, pay, [], on=_dt.date(2026, 8, 12))
