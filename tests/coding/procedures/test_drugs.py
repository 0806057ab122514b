"""Drug, injection, infusion and vaccine lines (``medcoder.coders.procedures.drugs``).

Every case codes a short note through the public path and looks at the drug family's lines
(HCPCS drug codes, 96360-96379, vaccine products and 90460-90474, G0008-G0010). Thresholds are
tested on both sides: dose rounding (15/16 mg of a per-15 mg drug), push or infusion (15/16
minutes), 96366 (90/91, 150/151), hydration (30/31, 90/91), dates in force (J1070/J1071 on
2015-01-01, J0171 on 2011-01-01, PCV20 on 2021-07-01, 96360-96379 on 2009-01-01), ages (90460
through 18 years, 90746 from 20).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.coders.procedures.common import service_rows
from medcoder.codesets.hcpcs.dosage import parse_dosage
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.coding import code
from medcoder.encounter import Encounter
from medcoder.result import CodingResult

FAMILY = ("J", "G0008", "G0009", "G0010", "963", "9046", "9047", "906", "907")
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "hcpcs" / "HCPC2026_JAN_ANWEB_sample.txt"


@pytest.fixture(scope="module")
def mkb(_built_tabular: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """One knowledge base (the bundled ICD-10-CM tabular, no HCPCS file) for the module's notes."""
    root = tmp_path_factory.mktemp("drugs-kb")
    shutil.copytree(_built_tabular, root, dirs_exist_ok=True)
    return KnowledgeBase(DataStore(root))


def run(text: str, kb: Any, dos: str = "2026-05-04", *, setting: str = "outpatient", age: int | None = None,
        payer: str | None = None) -> tuple[list[tuple[str, int]], CodingResult]:
    enc = Encounter(text=text, setting=setting, patient_age=age,  # type: ignore[arg-type]
                    metadata={"payer": payer} if payer else {})
    r = code(enc, date_of_service=dos, kb=kb)
    got = [(p.code, int(p.units or 1)) for p in r.procedures if p.code.startswith(FAMILY)]
    return got, r


def warned(r: CodingResult, *words: str) -> bool:
    return any(all(w.lower() in m.lower() for w in words) for m in r.warnings)


# -- units from the dose ------------------------------------------------------------------------
def test_units_round_up_from_the_dose(mkb: Any) -> None:
    cases = [
        ("Ketorolac 14 mg IM given.", ("J1885", 1)),
        ("Ketorolac 15 mg IM given.", ("J1885", 1)),
        ("Ketorolac 16 mg IM given.", ("J1885", 2)),
        ("Ketorolac 20 mg IM given.", ("J1885", 2)),
        ("Toradol 30 mg IM given.", ("J1885", 2)),
        ("Ketorolac 31 mg IM given.", ("J1885", 3)),
        ("Ceftriaxone 250 mg IM given.", ("J0696", 1)),
        ("Ceftriaxone 251 mg IM given.", ("J0696", 2)),
        ("Ceftriaxone 1 g IM given.", ("J0696", 4)),
        ("Ceftriaxone 1.1 g IM given.", ("J0696", 5)),
        ("Vitamin B-12 500 mcg IM given.", ("J3420", 1)),
        ("Cyanocobalamin 1000 mcg IM given.", ("J3420", 1)),
        ("Cyanocobalamin 1001 mcg IM given.", ("J3420", 2)),
        ("Cyanocobalamin 1 mg IM given.", ("J3420", 1)),
        ("Dexamethasone 10 mg IM given.", ("J1100", 10)),
        ("Heparin 5,000 units SC given.", ("J1644", 5)),
        ("Insulin regular 10 units SC given.", ("J1815", 2)),
        ("Bicillin L-A 2.4 million units IM given.", ("J0561", 24)),
        ("Fentanyl 100 mcg IV push given.", ("J3010", 1)),
        ("Fentanyl 101 mcg IV push given.", ("J3010", 2)),
        ("Ketorolac 30 mg/mL, 1 mL IM given.", ("J1885", 2)),  # concentration x volume
        ("Gave 60 mg Toradol IM.", ("J1885", 4)),  # the dose before the name
    ]
    for note, want in cases:
        got, r = run(note, mkb)
        assert want in got, (note, got, r.warnings)


def test_the_drug_line_cites_its_dose_and_the_rule(mkb: Any) -> None:
    text = "Nurse visit.\nKetorolac 30 mg IM given in the right gluteus.\n"
    _, r = run(text, mkb)
    j = next(p for p in r.procedures if p.code == "J1885")
    assert j.system == "HCPCS" and j.units == 2
    cited = {e.text for e in j.evidence}
    assert {"Ketorolac", "30 mg", "IM"} <= cited
    assert any("Pub. 100-04 ch. 17 §10" in w and "per 15 mg" in w for w in j.rationale)
    assert "ketorolac" in j.description.lower()
    admin = next(p for p in r.procedures if p.code == "96372")
    assert admin.system == "CPT" and admin.units == 1


@pytest.mark.parametrize(
    ("note", "want"),
    [
        ("Depo-Medrol 20 mg IM given.", [("J1020", 1)]),
        ("Depo-Medrol 40 mg IM given.", [("J1030", 1)]),
        ("Depo-Medrol 80 mg IM given.", [("J1040", 1)]),
        ("Depo-Medrol 120 mg IM given.", [("J1040", 1), ("J1030", 1)]),
        ("Depo-Medrol 60 mg IM given.", [("J1030", 1), ("J1020", 1)]),
        ("Normal saline 750 mL IV infused from 10:00 to 10:50.", [("J7040", 1), ("J7050", 1)]),
        ("Normal saline 2 L IV infused from 10:00 to 10:50.", [("J7030", 2)]),
    ],
)
def test_several_strengths_cover_the_dose_with_the_least_excess(note: str, want: list[tuple[str, int]],
                                                                mkb: Any) -> None:
    got, _ = run(note, mkb)
    assert [g for g in got if g[0].startswith("J")] == want


def test_codes_by_date_of_service(mkb: Any) -> None:
    text = "Testosterone cypionate 200 mg IM given."
    assert ("J1070", 2) in run(text, mkb, "2014-12-31")[0]
    got, _ = run(text, mkb, "2015-01-01")
    assert ("J1071", 200) in got and not any(c == "J1070" for c, _u in got)
    got, r = run("Epinephrine 0.3 mg IM given.", mkb, "2010-12-31")
    assert not any(c.startswith("J") for c, _u in got)
    assert warned(r, "no code of medcoder's table is in force", "J0171")
    assert ("J0171", 3) in run("Epinephrine 0.3 mg IM given.", mkb, "2011-01-01")[0]
    got, r = run("Ketorolac 30 mg IM given.", mkb, "2008-12-31")
    assert got == [("J1885", 2)] and warned(r, "2009-01-01")
    assert ("96372", 1) in run("Ketorolac 30 mg IM given.", mkb, "2009-01-01")[0]


# -- never guessed ----------------------------------------------------------------------------------
def test_a_dose_without_its_unit_is_not_guessed(mkb: Any) -> None:
    got, r = run("Ketorolac 30 IM given.", mkb)
    assert got == [("96372", 1)]
    assert warned(r, "without its unit", "'30'", "J1885")
    got, r = run("Toradol IM given.", mkb)
    assert got == [("96372", 1)] and warned(r, "without its dose", "J1885")


def test_an_unknown_drug_is_not_guessed(mkb: Any) -> None:
    got, r = run("Given Xyzzamab 40 mg IM in the left thigh.", mkb)
    assert got == [("96372", 1)]
    assert not any(c in ("J3490", "J3590") for c, _u in got)
    assert warned(r, "Xyzzamab", "not in medcoder's drug table", "J3490", "NDC")


def test_a_drug_named_without_its_salt_is_not_guessed(mkb: Any) -> None:
    got, r = run("Methylprednisolone 80 mg IM given.", mkb)
    assert got == [("96372", 1)] and warned(r, "acetate", "sodium succinate")
    got, r = run("Testosterone 200 mg IM given.", mkb)
    assert got == [("96372", 1)] and warned(r, "ester")
    assert ("J2930", 1) in run("Solu-Medrol 125 mg IV push given.", mkb)[0]


def test_a_dose_in_the_wrong_dimension_is_reported(mkb: Any) -> None:
    got, r = run("Ketorolac 1 mL IM given.", mkb)
    assert got == [("96372", 1)] and warned(r, "J1885", "cannot be converted")


@pytest.mark.parametrize(
    "note",
    [
        "Ondansetron 4 mg ODT given.",
        "Zofran 4 mg PO given.",
        "Acetaminophen 650 mg by mouth given.",
        "Plan: prescribed ceftriaxone 1 g IM.",
        "Patient declined ketorolac 30 mg IM.",
        "Will give ondansetron 4 mg IV push if needed.",
        "Medications: testosterone cypionate 200 mg IM every 2 weeks.",
        "Home medications:\nmedroxyprogesterone 150 mg IM\n",
        "Received ketorolac 30 mg IM at urgent care yesterday.",
        "Lidocaine 1% 2 mL injected for local anesthesia.",
        "Stage IV lung cancer. Given the prognosis, hospice was discussed.",
        "Naloxone 4 mg intranasal given by family.",
        "Immunizations: influenza vaccine quadrivalent preservative-free IM 10/2023.",
        "Ketorolac 30 mg IM given on 03/02/2025 at the outside clinic.",
    ],
)
def test_drugs_not_given_here_or_not_injected_produce_nothing(note: str, mkb: Any) -> None:
    got, _ = run(note, mkb)
    assert got == []


def test_an_iv_drug_without_push_or_times_gets_no_administration_code(mkb: Any) -> None:
    got, r = run("Ondansetron 4 mg IV given.", mkb)
    assert got == [("J2405", 4)]
    assert warned(r, "no push and no infusion times")


def test_an_injection_without_its_route_gets_no_administration_code(mkb: Any) -> None:
    got, r = run("Ketorolac 30 mg injection given.", mkb)
    assert got == [("J1885", 2)] and warned(r, "without its route")
    got, r = run("Ketorolac 30 mg given.", mkb)
    assert got == [] and warned(r, "without its route", "oral")


def test_a_drug_given_by_a_route_its_code_does_not_cover(mkb: Any) -> None:
    got, r = run("Vancomycin 1 g IM given.", mkb)
    assert not any(c == "J3370" for c, _u in got) and warned(r, "J3370", "does not cover")


# -- IM / SC and procedures ---------------------------------------------------------------------
def test_one_96372_per_injection(mkb: Any) -> None:
    got, _ = run("Ketorolac 30 mg IM and ondansetron 4 mg IM given.", mkb)
    assert sorted(got) == [("96372", 2), ("J1885", 2), ("J2405", 4)]
    got, _ = run("Ketorolac 30 mg IM given.\nKetorolac 30 mg IM given in the right gluteus.\n", mkb)
    assert sorted(got) == [("96372", 1), ("J1885", 2)]  # the same dose documented twice


def test_a_joint_injection_gets_the_drug_only(mkb: Any) -> None:
    text = "Triamcinolone 40 mg injected intra-articular into the right knee with lidocaine 1% 2 mL."
    got, r = run(text, mkb)
    assert ("J3301", 4) in got and not any(c == "96372" for c, _u in got)
    j = next(p for p in r.procedures if p.code == "J3301")
    assert any("procedure code includes the injection" in w for w in j.rationale)


@pytest.mark.parametrize(("note", "units"), [
    # doses into different sites or sides are separate doses, added
    ("Right knee injected with triamcinolone 40 mg. Left knee injected with triamcinolone 40 mg.", 8),
    ("Procedure: bilateral knee injections.\nRight knee: triamcinolone 40 mg injected.\n"
     "Left knee: triamcinolone 40 mg injected.\n", 8),
    ("Right knee injected with triamcinolone 40 mg. Left knee injected with triamcinolone 20 mg.", 6),
    ("Right knee and right shoulder injected with triamcinolone 40 mg each.", 8),
    # a dose for each site
    ("Right and left knees injected with triamcinolone 40 mg each.", 8),
    ("Knees injected bilaterally with triamcinolone 40 mg each.", 8),
    ("Bilateral knee injections: triamcinolone 40 mg/knee, intra-articular.", 8),
    ("Right knee and left knee injected. Triamcinolone 40 mg into each knee.", 8),
    # the same dose for the same site, restated: one dose
    ("Triamcinolone 40 mg injected into the right knee. The right knee received triamcinolone 40 mg "
     "intra-articular.", 4),
    ("Right knee injected with triamcinolone 40 mg.\nProcedure note: triamcinolone 40 mg injected "
     "intra-articular.", 4),
    # a dose restated later as a repeat is a second dose
    ("Right knee injected with triamcinolone 20 mg. Repeat injection of the right knee with "
     "triamcinolone 20 mg.", 4),
])
def test_joint_doses_are_counted_by_site(note: str, units: int, mkb: Any) -> None:
    got, r = run(note, mkb)
    assert ("J3301", units) in got, (got, r.warnings)
    assert not any(c == "96372" for c, _u in got)
    assert not warned(r, "without its route")


def test_a_dose_for_each_joint_without_the_joints_is_not_guessed(mkb: Any) -> None:
    got, r = run("Injected the joints with triamcinolone 40 mg each joint.", mkb)
    assert not any(c == "J3301" for c, _u in got)
    assert warned(r, "triamcinolone", "for each joint", "which joints")


def test_one_dose_for_two_sites_is_coded_as_documented_with_a_warning(mkb: Any) -> None:
    got, r = run("Right knee and left knee injected with triamcinolone 40 mg.", mkb)
    assert ("J3301", 4) in got
    assert warned(r, "documented once for the right knee and left knee", "each")


def test_an_im_injection_in_the_hip_is_not_a_joint_injection(mkb: Any) -> None:
    got, _ = run("Ketorolac 30 mg IM injection in the right hip given.", mkb)
    assert sorted(got) == [("96372", 1), ("J1885", 2)]


# -- IV push, infusion, hydration -------------------------------------------------------------------
def test_push_or_infusion_and_the_further_hours(mkb: Any) -> None:
    cases = [
        (15, [("96374", 1)]),
        (16, [("96365", 1)]),
        (90, [("96365", 1)]),
        (91, [("96365", 1), ("96366", 1)]),
        (150, [("96365", 1), ("96366", 1)]),
        (151, [("96365", 1), ("96366", 2)]),
        (210, [("96365", 1), ("96366", 2)]),
        (211, [("96365", 1), ("96366", 3)]),
    ]
    for minutes, want in cases:
        got, r = run(f"Vancomycin 1 g IV infused over {minutes} minutes.", mkb)
        assert [g for g in got if g[0].startswith("963")] == want, (minutes, got, r.warnings)


def test_hydration_alone(mkb: Any) -> None:
    cases = [
        ("10:30", []),
        ("10:31", [("96360", 1)]),
        ("11:30", [("96360", 1)]),
        ("11:31", [("96360", 1), ("96361", 1)]),
        ("12:30", [("96360", 1), ("96361", 1)]),
        ("12:31", [("96360", 1), ("96361", 2)]),
    ]
    for stop, want in cases:
        got, r = run(f"Normal saline 1000 mL IV from 10:00 to {stop}.", mkb)
        assert [g for g in got if g[0].startswith("963")] == want, (stop, got, r.warnings)
        assert ("J7030", 1) in got
        if not want:
            assert warned(r, "30 minutes or less is not reported")


def test_hydration_after_a_push_is_secondary(mkb: Any) -> None:
    cases = [(30, []), (31, [("96361", 1)]), (90, [("96361", 1)]), (91, [("96361", 2)])]
    for minutes, want in cases:
        text = f"Ondansetron 4 mg IV push given.\nNormal saline 1000 mL IV over {minutes} minutes.\n"
        got, r = run(text, mkb)
        assert [g for g in got if g[0].startswith("963")] == [("96374", 1), *want], (minutes, got, r.warnings)


def test_pushes_after_an_infusion_and_sequential_infusions(mkb: Any) -> None:
    text = (
        "Morphine 4 mg IV push at 23:30.\n"
        "Ondansetron 4 mg IV push given.\n"
        "Vancomycin 1 g IV infused from 23:40 to 00:40.\n"
        "Levofloxacin 750 mg IV infused from 00:40 to 02:15.\n"
    )
    got, r = run(text, mkb)
    admin = sorted(g for g in got if g[0].startswith("963"))
    # levofloxacin ran 95 minutes: the sequential infusion and one further hour
    assert admin == [("96365", 1), ("96366", 1), ("96367", 1), ("96375", 2)], r.warnings
    first = next(p for p in r.procedures if p.code == "96365")
    assert first.minutes == 60 and any(e.text == "from 23:40 to 00:40" for e in first.evidence)


def test_a_concurrent_infusion_is_96368_once(mkb: Any) -> None:
    text = ("Vancomycin 1 g IV infused from 10:00 to 11:00.\n"
            "Azithromycin 500 mg IV infused from 10:15 to 11:15.\n")
    got, _ = run(text, mkb)
    assert sorted(g for g in got if g[0].startswith("963")) == [("96365", 1), ("96368", 1)]


def test_hydration_beside_a_drug_infusion(mkb: Any) -> None:
    # the saline ran 09:00-11:00, cefazolin 10:00-10:45: 75 minutes of hydration alone
    text = ("Normal saline 1000 mL IV started 09:00, stopped 11:00.\n"
            "Cefazolin 1 g IV infused from 10:00 to 10:45.\n")
    got, _ = run(text, mkb)
    assert sorted(g for g in got if g[0].startswith("963")) == [("96361", 1), ("96365", 1)]
    # entirely inside the infusion: not reported
    text = ("Cefazolin 1 g IV infused from 10:00 to 11:00.\n"
            "Normal saline 500 mL IV from 10:00 to 10:40.\n")
    got, r = run(text, mkb)
    assert sorted(g for g in got if g[0].startswith("963")) == [("96365", 1)]
    assert warned(r, "30 minutes or less")
    # without clock times it cannot be told whether it ran at the same time
    text = "Cefazolin 1 g IV infused over 45 minutes.\nNormal saline 1000 mL IV over 60 minutes.\n"
    got, r = run(text, mkb)
    assert sorted(g for g in got if g[0].startswith("963")) == [("96365", 1)]
    assert warned(r, "cannot tell")


def test_an_infusion_across_midnight_and_one_that_runs_backwards(mkb: Any) -> None:
    got, _ = run("Ceftriaxone 1 g IV infused from 23:40 to 00:25.", mkb)
    assert ("96365", 1) in got
    got, r = run("Ceftriaxone 1 g IV infused from 10:50 to 10:05.", mkb)
    assert got == [("J0696", 4)]
    assert warned(r, "runs backwards")
    got, _ = run("Vancomycin 1 g IV infused.\nStart 23:15 End 00:50\n", mkb)
    assert ("96365", 1) in got and ("96366", 1) in got  # 95 minutes, times on the next row


def test_a_push_repeated_later_is_not_an_infusion(mkb: Any) -> None:
    got, _ = run("Hydromorphone 0.5 mg IV push, repeated 0.5 mg IV push 30 minutes later.", mkb)
    assert [g for g in got if g[0].startswith("963")] == [("96374", 1)]


def test_a_diluent_and_a_flush_are_not_hydration(mkb: Any) -> None:
    got, _ = run("Ceftriaxone 1 g in 100 mL normal saline IV infused over 30 minutes.", mkb)
    assert sorted(got) == [("96365", 1), ("J0696", 4)]
    got, _ = run("Ondansetron 4 mg IV push given, then NS 10 mL flush.", mkb)
    assert sorted(got) == [("96374", 1), ("J2405", 4)]


def test_settings(mkb: Any) -> None:
    got, r = run("Morphine 4 mg IV push given.", mkb, setting="emergency")
    assert ("96374", 1) in got and warned(r, "facility claim")
    got, _ = run("Morphine 4 mg IV push given.", mkb, setting="inpatient")
    assert got == []


# -- vaccines -----------------------------------------------------------------------------------------
def test_vaccine_products_and_administration(mkb: Any) -> None:
    text = ("Encounter for immunization.\nTdap 0.5 mL IM given left deltoid.\n"
            "Influenza vaccine trivalent preservative-free 0.5 mL IM given right deltoid.\n")
    got, r = run(text, mkb, age=45)
    assert sorted(got) == [("90471", 1), ("90472", 1), ("90656", 1), ("90715", 1)]
    z23 = [i + 1 for i, d in enumerate(r.diagnoses) if d.code == "Z23"]
    assert z23 and all(p.diagnosis_pointers[:1] == z23 for p in r.procedures if p.code.startswith("90"))
    assert not any(c == "96372" for c, _u in got)


@pytest.mark.parametrize(
    ("note", "want"),
    [
        ("Influenza vaccine quadrivalent multi-dose vial 0.5 mL IM given.", [("90471", 1), ("90688", 1)]),
        ("Influenza vaccine trivalent MDV 0.5 mL IM given.", [("90471", 1), ("90658", 1)]),
        ("FluMist trivalent given intranasally.", [("90473", 1), ("90660", 1)]),
        ("RotaTeq 2 mL given orally. Rotarix given by mouth.",
         [("90473", 1), ("90474", 1), ("90680", 1), ("90681", 1)]),
        ("Tdap 0.5 mL IM given. FluMist trivalent given intranasally.",
         [("90471", 1), ("90474", 1), ("90660", 1), ("90715", 1)]),
        ("Shingrix 0.5 mL IM given.", [("90471", 1), ("90750", 1)]),
        ("Pneumovax 23 0.5 mL IM given.", [("90471", 1), ("90732", 1)]),
    ],
)
def test_vaccine_routes(note: str, want: list[tuple[str, int]], mkb: Any) -> None:
    got, r = run(note, mkb, age=40)
    assert sorted(got) == want, r.warnings


def test_an_undocumented_vaccine_product_is_not_guessed(mkb: Any) -> None:
    got, r = run("Flu shot given today.", mkb)
    assert got == [("90471", 1)]
    assert warned(r, "product code is not determined", "90686", "90656")
    got, r = run("Pneumonia vaccine 0.5 mL IM given.", mkb)
    assert got == [("90471", 1)] and warned(r, "PCV20 90677")
    got, r = run("Tdap vaccine given in 2019. Influenza vaccine declined.", mkb)
    assert got == []


def test_vaccines_by_date_and_age(mkb: Any) -> None:
    got, r = run("Prevnar 20 0.5 mL IM given.", mkb, "2021-06-30")
    assert got == [("90471", 1)] and warned(r, "product code is not determined")
    assert ("90677", 1) in run("Prevnar 20 0.5 mL IM given.", mkb, "2021-07-01")[0]
    text = "Engerix-B 20 mcg IM given."
    assert not any(c == "90746" for c, _u in run(text, mkb, age=19)[0])
    assert ("90746", 1) in run(text, mkb, age=20)[0]
    got, r = run(text, mkb)  # the age decides the dosage: not documented, not coded
    assert not any(c == "90746" for c, _u in got) and warned(r, "age: not documented")
    assert not any(c == "90715" for c, _u in run("Tdap 0.5 mL IM given.", mkb, age=5)[0])


def test_counselling_through_18_years(mkb: Any) -> None:
    text = ("Risks and benefits discussed, parent counseled by the physician.\n"
            "MMR vaccine 0.5 mL SC given. Varivax 0.5 mL SC given.\n")
    got, _ = run(text, mkb, age=18)
    # MMR has 3 components, varicella 1: 90460 per vaccine, 90461 per further component
    assert sorted(got) == [("90460", 2), ("90461", 2), ("90707", 1), ("90716", 1)]
    got, _ = run(text, mkb, age=19)
    assert sorted(got) == [("90471", 1), ("90472", 1), ("90707", 1), ("90716", 1)]
    got, _ = run("MMR vaccine 0.5 mL SC given.", mkb, age=5)  # no counselling documented
    assert sorted(got) == [("90471", 1), ("90707", 1)]


def test_medicare_administration_codes(mkb: Any) -> None:
    text = ("Influenza vaccine trivalent preservative-free 0.5 mL IM given.\n"
            "Prevnar 20 0.5 mL IM administered.\nTdap 0.5 mL IM given.\n")
    got, r = run(text, mkb, "2025-10-06", age=70, payer="medicare")
    assert sorted(got) == [("90471", 1), ("90656", 1), ("90677", 1), ("90715", 1), ("G0008", 1), ("G0009", 1)]
    g = next(p for p in r.procedures if p.code == "G0008")
    assert g.system == "HCPCS" and any("ch. 18" in w for w in g.rationale)
    got, _ = run(text, mkb, "2025-10-06", age=70, payer="commercial")
    assert ("90471", 1) in got and ("90472", 2) in got and not any(c.startswith("G") for c, _u in got)


def test_a_quadrivalent_vaccine_in_the_trivalent_seasons_is_flagged(mkb: Any) -> None:
    text = "Influenza vaccine quadrivalent preservative-free 0.5 mL IM given."
    got, r = run(text, mkb, "2024-07-01")
    assert ("90686", 1) in got and warned(r, "trivalent")
    got, r = run(text, mkb, "2024-06-30")
    assert ("90686", 1) in got and not warned(r, "trivalent")


# -- a loaded HCPCS file ------------------------------------------------------------------------------
def test_a_loaded_hcpcs_file_gives_the_dosage_and_the_codes_in_force(tabular_kb: Any, tmp_path: Path) -> None:
    tabular_kb.import_file("hcpcs", FIXTURE)
    got, r = run("Ketorolac 30 mg IM given. Ondansetron 4 mg IV push given.", tabular_kb, "2026-02-01")
    assert ("J1885", 2) in got and not any(c == "J2405" for c, _u in got)
    j = next(p for p in r.procedures if p.code == "J1885")
    assert any("HCPCS 2026 January long description" in w for w in j.rationale)
    assert j.description == "Injection, ketorolac tromethamine, per 15 mg"
    assert warned(r, "J2405 is not in the loaded HCPCS file")


def test_a_code_terminated_in_the_loaded_file_is_not_coded(tabular_kb: Any, tmp_path: Path) -> None:
    rows = []
    for row in FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True):
        if row.startswith("J1885"):
            row = row[:284] + "20260115" + row[292:]  # TERM DT, columns 285-292
        rows.append(row)
    path = tmp_path / "HCPC2026_JAN_ANWEB_terminated.txt"
    path.write_text("".join(rows), encoding="utf-8")
    tabular_kb.import_file("hcpcs", path)
    got, r = run("Ketorolac 30 mg IM given.", tabular_kb, "2026-02-01")
    assert got == [("96372", 1)] and warned(r, "J1885 is not active on 2026-02-01")
    assert ("J1885", 2) in run("Ketorolac 30 mg IM given.", tabular_kb, "2026-01-15")[0]


def test_the_drug_table_agrees_with_the_official_hcpcs_file(shared_data: Path, kb: Any) -> None:
    kb.import_file("hcpcs", shared_data / "hcpcs" / "HCPC2019_CONTR_ANWEB.txt")
    h = kb.open("hcpcs", "2019-06-01").reader
    checked = 0
    for row in service_rows("drugs.csv"):
        if row.code == "NONE":
            continue
        c = h.get(row.code)
        assert c is not None, row.code
        dosage = parse_dosage(c.long_desc)
        assert dosage is not None, row.code
        assert Decimal(str(dosage["amount"])) == Decimal(row.extra["amount"]), row.code
        assert dosage["unit"] == row.extra["unit"], row.code
        assert c.add_date == row.effective, row.code
        if row.until is not None:
            assert c.term_date is not None and c.term_date < row.until, row.code
        checked += 1
    assert checked >= 45
