"""Denial classification: the packaged rules (checked against the real CARC/RARC lists), the
loader's validation, group/remark/modifier conditions, effective dates and the line logic."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import InputError
from medcoder.remit.denials import ACTIONS, CATEGORIES, classify, default_rules, load_rules
from medcoder.remit.denials.classify import UNMAPPED
from medcoder.remit.model import Adjustment, ClaimPayment, ServicePayment
from medcoder.remit.serialize import claim_payment_from_dict

DOS = _dt.date(2024, 6, 3)


def line(code: str, charge: str, paid: str, *adjs: str, remarks: tuple[str, ...] = (),
         modifiers: tuple[str, ...] = ()) -> ServicePayment:
    out = []
    for a in adjs:
        gr, amount = a.split()
        g, r = gr.split("-")
        out.append(Adjustment(g, r, Decimal(amount)))
    return ServicePayment(code=code, qualifier="HC", modifiers=list(modifiers), charge=Decimal(charge),
                          paid=Decimal(paid), adjustments=out, remarks=list(remarks), date_from=DOS)


def claim(*lines: ServicePayment, status: str = "1", **kw: object) -> ClaimPayment:
    charge = sum((s.charge for s in lines), Decimal(0))
    paid = sum((s.paid for s in lines), Decimal(0))
    c = ClaimPayment(patient_control_number="PCN-1", status=status, charge=charge, paid=paid,
                     patient_responsibility=None, filing_indicator="MB", payer_claim_id="PAYER-1",
                     lines=list(lines), service_from=DOS)
    for k, v in kw.items():
        setattr(c, k, v)
    return c


# -- the packaged rules -----------------------------------------------------------------------

def test_packaged_rules_load_and_use_only_known_categories_and_actions() -> None:
    rs = default_rules()
    assert len(rs.rules) >= 20
    assert {r.category for r in rs.rules} == set(CATEGORIES) - {"other"}
    assert {r.action for r in rs.rules} == set(ACTIONS)
    assert all(r.reference.strip() and "http" not in r.reference for r in rs.rules)


def test_every_mapped_code_is_in_the_real_lists(remit_lists: KnowledgeBase) -> None:
    carc = remit_lists.open("carc", "2024-10-01").reader
    rarc = remit_lists.open("rarc", "2024-10-01").reader
    for r in default_rules().rules:
        for c in r.carcs:
            assert carc.get(c) is not None, (r.id, c)
        for m in r.rarcs or ():
            assert rarc.get(m) is not None, (r.id, m)


def test_mapped_carcs_mean_what_their_category_says(remit_lists: KnowledgeBase) -> None:
    """Spot checks of the wording behind the mapping (numbers quoted from memory were checked)."""
    carc = remit_lists.open("carc", "2024-10-01").reader
    words = {
        "4": "modifier", "15": "authorization", "18": "duplicate", "22": "coordination of benefits",
        "27": "coverage terminated", "29": "time limit for filing", "45": "fee schedule",
        "50": "medical necessity", "96": "non-covered", "97": "included in the payment",
        "197": "authorization", "236": "national correct coding initiative", "253": "sequestration",
        "B13": "previously paid", "B15": "qualifying service",
    }
    for code, w in words.items():
        assert w in carc.get(code).description.lower(), code


# -- the loader validates -----------------------------------------------------------------------

GOOD = """
rules:
  - id: r1
    carcs: ["97"]
    category: coding-bundling
    action: corrected-claim
    fixable: true
    reason: "{group}-{carc} on {where}"
    reference: X12 CARC 97
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rules.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_a_good_file_loads(tmp_path: Path) -> None:
    rs = load_rules(write(tmp_path, GOOD))
    assert [r.id for r in rs.rules] == ["r1"]
    assert rs.match("97", "CO").id == "r1"
    assert rs.match("97", "XX") is UNMAPPED and rs.match("16", "CO") is UNMAPPED


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("category: coding-bundling", "category: bundling", "rule 'r1': unknown category 'bundling'"),
        ("action: corrected-claim", "action: resubmit", "rule 'r1': unknown action 'resubmit'"),
        ('carcs: ["97"]', 'carcs: ["Q97"]', "rule 'r1': 'Q97' is not a CARC"),
        ('carcs: ["97"]', "carcs: []", "rule 'r1': `carcs` must be a non-empty list"),
        ("fixable: true", "fixable: maybe", "rule 'r1': `fixable` must be true or false"),
        ('"{group}-{carc} on {where}"', '"{group} {text}"', "rule 'r1': the reason uses {text}"),
        ("    reference: X12 CARC 97", "    reference: X12 CARC 97\n    rarcs: [X1]",
         "rule 'r1': 'X1' is not a RARC"),
        ("    reference: X12 CARC 97", "    reference: X12 CARC 97\n    groups: [ZZ]",
         "rule 'r1': 'ZZ' is not a CAS group code"),
        ("    reference: X12 CARC 97", "    reference: X12 CARC 97\n    when: always",
         "rule 'r1': unknown field 'when'"),
        ("    reference: X12 CARC 97",
         "    reference: X12 CARC 97\n    effective: {from: 2024-01-01, to: 2023-01-01}",
         "rule 'r1': effective range ends (2023-01-01) before it starts (2024-01-01)"),
        ("    reference: X12 CARC 97\n", "", "rule 'r1': `reference` is required"),
    ],
)
def test_a_bad_rule_is_refused_naming_it(tmp_path: Path, old: str, new: str, words: str) -> None:
    assert old in GOOD
    p = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(InputError) as e:
        load_rules(p)
    assert words in e.value.message
    assert e.value.where == str(p)


def test_duplicate_ids_and_bad_files_are_refused(tmp_path: Path) -> None:
    twice = GOOD + GOOD.split("rules:\n", 1)[1]
    with pytest.raises(InputError, match="rule 'r1': the id is used twice"):
        load_rules(write(tmp_path, twice))
    with pytest.raises(InputError, match="expected a mapping with a `rules:` list"):
        load_rules(write(tmp_path, "- just a list\n"))
    with pytest.raises(InputError, match="not valid YAML"):
        load_rules(write(tmp_path, "rules: [\n"))
    with pytest.raises(InputError, match="cannot read the denial rules"):
        load_rules(tmp_path / "absent.yaml")


def test_rules_apply_only_within_their_effective_dates(tmp_path: Path) -> None:
    text = GOOD.replace("    reference: X12 CARC 97",
                        "    reference: X12 CARC 97\n    effective: {from: 2020-01-01, to: 2022-12-31}")
    rs = load_rules(write(tmp_path, text))
    c = claim(line("99213", "100", "0", "CO-97 100"))
    assert classify(c, rules=rs, on=_dt.date(2021, 5, 1))[0].category == "coding-bundling"
    assert classify(c, rules=rs, on=_dt.date(2023, 1, 1))[0].category == "other"
    # without `on`, the line's date of service decides (2024: outside the range)
    assert classify(c, rules=rs)[0].category == "other"


# -- conditions ---------------------------------------------------------------------------------

def test_the_group_code_changes_the_action() -> None:
    co = classify(claim(line("97810", "120", "0", "CO-96 120")))
    pr = classify(claim(line("97810", "120", "0", "PR-96 120")))
    assert (co[0].category, co[0].action, co[0].group) == ("non-covered", "write-off", "CO")
    assert (pr[0].category, pr[0].action, pr[0].group) == ("non-covered", "bill-patient", "PR")


def test_a_remark_refines_the_carc() -> None:
    plain = classify(claim(line("99213", "100", "0", "CO-16 100", remarks=("N290",))))
    coded = classify(claim(line("99213", "100", "0", "CO-16 100", remarks=("M51",))))
    assert plain[0].category == "missing-info"
    assert coded[0].category == "coding-bundling"
    assert coded[0].rarcs == ("M51",)


def test_claim_level_remarks_count_for_the_lines() -> None:
    c = claim(line("G0008", "95", "0", "CO-96 95"), remarks=["N30"])
    (d,) = classify(c)
    assert d.category == "eligibility" and d.rarcs == ("N30",)


def test_a_modifier_on_the_line_turns_a_corrected_claim_into_an_appeal() -> None:
    (a,) = classify(claim(line("97597", "150", "0", "CO-97 150", modifiers=("XS",))))
    (b,) = classify(claim(line("97597", "150", "0", "CO-97 150")))
    assert (a.action, b.action) == ("appeal", "corrected-claim")


# -- the line logic -----------------------------------------------------------------------------

def test_denial_fields_and_reason() -> None:
    c = claim(line("20610", "200", "120", "CO-45 50", "PR-2 30"),
              line("99213", "100", "0", "CO-97 100", remarks=("M15",), modifiers=("25",)))
    (d,) = classify(c)
    assert (d.patient_control_number, d.payer_claim_id, d.line, d.code) == ("PCN-1", "PAYER-1", 2, "99213")
    assert d.carcs == ("97",) and d.rarcs == ("M15",) and d.group == "CO"
    assert d.amount == Decimal(100) and d.denied is True and d.fixable is True
    assert d.category_label == "Coding / bundling (NCCI)"
    assert d.action_label == ACTIONS["corrected-claim"]
    assert d.reason.startswith("CO-97 on line 2 (99213-25): 99213-25 is included in")
    assert "National Correct Coding Initiative Policy Manual" in d.reference


def test_non_contractual_reductions_outrank_co45_even_when_smaller() -> None:
    (d,) = classify(claim(line("97110", "400", "150", "CO-45 200", "CO-151 50")))
    assert d.carcs == ("151",) and d.amount == Decimal(50) and d.denied is False


def test_fully_paid_and_patient_share_lines_are_not_denials() -> None:
    c = claim(line("99214", "200", "120", "CO-45 50", "PR-2 30"),
              line("99213", "150", "0", "CO-45 50", "PR-1 100"))
    assert classify(c) == []
    pats = classify(c, include_patient=True)
    assert [(d.line, d.category, d.carcs, d.amount, d.denied) for d in pats] == [
        (1, "patient-responsibility", ("2",), Decimal(30), False),
        (2, "patient-responsibility", ("1",), Decimal(100), False),
    ]


def test_patient_share_goes_to_the_secondary_when_crossed_over() -> None:
    c = claim(line("99214", "200", "120", "CO-45 50", "PR-2 30"),
              crossover_payer={"name": "Supplemental", "id": "555"})
    (d,) = classify(c, include_patient=True)
    assert d.action == "bill-secondary"


def test_pr45_is_the_patients_share_not_a_denial() -> None:
    c = claim(line("99214", "200", "120", "PR-45 80"))
    assert classify(c) == []
    assert classify(c, include_patient=True)[0].action == "bill-patient"


def test_reversals_are_not_denials() -> None:
    c = claim(line("99213", "-160", "-110", "CO-45 -50"), status="22")
    assert classify(c) == []
    c2 = claim(line("99213", "100", "0", "CO-97 100"), status="22")
    assert classify(c2) == []


def test_denied_claim_with_claim_level_adjustments() -> None:
    c = claim(line("99214", "160", "0"), status="4")
    c.adjustments = [Adjustment("CO", "29", Decimal(160))]
    (d,) = classify(c)
    assert (d.line, d.code, d.category, d.denied) == (None, None, "timely-filing", True)
    assert d.reason.startswith("CO-29 on the claim:")


def test_claim_level_adjustments_of_a_paid_claim_with_lines_are_left_alone() -> None:
    c = claim(line("99214", "160", "100", "CO-45 60"))
    c.adjustments = [Adjustment("CO", "97", Decimal(10))]
    assert classify(c) == []


def test_institutional_claim_without_lines_is_classified_at_claim_level() -> None:
    c = claim_payment_from_dict({
        "patient_control_number": "INST-1", "status": "1", "charge": "5000", "paid": "0",
        "facility_type": "11", "adjustments": ["CO-50 5000"],
    })
    (d,) = classify(c, on=DOS)
    assert (d.line, d.category, d.action, d.denied) == (None, "medical-necessity", "appeal", True)


def test_unmapped_carc_is_other_review() -> None:
    (d,) = classify(claim(line("99212", "100", "0", "CO-A1 100")))
    assert (d.category, d.action, d.fixable) == ("other", "review", False)
    assert "not mapped" in d.reason
