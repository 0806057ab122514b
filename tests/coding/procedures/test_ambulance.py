"""Ambulance lines: level (42 CFR 414.605), loaded mileage (CMS Pub. 100-04 ch. 15 §20.2) and
the origin/destination pair (§30.A), through the public ``code_text`` path.

Boundaries on both sides: 2 and 3 IV pushes (ALS2), 99.9 / 99.91 / 100 / 100.01 miles, a mile
fraction rounded up to the tenth, 2010-12-31 / 2011-01-01 (tenths), 2002-03-31 / 2002-04-01
(levels in force). The run reports under ``notes/ambulance`` go through ``test_procedure_notes``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from medcoder.coders.procedures.ambulance import mileage_units
from medcoder.coding import code_text

Line = tuple[str, float, list[str]]
RUN = "Run report. 911 call. Picked up at home, transported to Mercy Hospital ED. "


def lines(text: str, kb: Any, dos: str = "2026-05-04", setting: str = "ambulance") -> tuple[list[Line], Any]:
    r = code_text(text, setting=setting, date_of_service=dos, kb=kb)
    got = [(p.code, p.units or 1, p.modifiers) for p in r.procedures if re.fullmatch(r"A0\d{3}", p.code)]
    return got, r


def warned(r: Any, *words: str) -> bool:
    return any(all(w.lower() in m.lower() for w in words) for m in r.warnings)


# -- mileage units ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("miles", "rounding", "units"),
    [
        ("0.35", "tenth", 0.4), ("0.3", "tenth", 0.3), ("0.31", "tenth", 0.4),
        ("12.3", "tenth", 12.3), ("12.31", "tenth", 12.4), ("8", "tenth", 8.0),
        ("99.9", "tenth", 99.9), ("99.91", "tenth", 100), ("100", "tenth", 100),
        ("100.0", "tenth", 100), ("100.01", "tenth", 101), ("100.2", "tenth", 101),
        ("5.5", "whole", 6), ("5.0", "whole", 5), ("0.2", "whole", 1),
    ],
)
def test_mileage_units_round_up(miles: str, rounding: str, units: float) -> None:
    got = mileage_units(Decimal(miles), rounding)
    assert got == units
    # a float (tenths) only under 100 miles from 2011; whole miles are ints
    assert isinstance(got, float) == (rounding == "tenth" and Decimal(miles) < Decimal("99.91"))


@pytest.mark.parametrize(("miles", "units"), [("99.9", 99.9), ("100", 100), ("100.01", 101), ("0.35", 0.4)])
def test_loaded_miles_become_units(miles: str, units: float, coding_kb: Any) -> None:
    got, _ = lines(RUN + f"Loaded miles {miles}.", coding_kb)
    assert got == [("A0429", 1, ["RH"]), ("A0425", units, ["RH"])]


@pytest.mark.parametrize(("dos", "units"), [("2010-12-31", 6), ("2011-01-01", 5.5)])
def test_tenths_from_2011(dos: str, units: float, coding_kb: Any) -> None:
    got, _ = lines(RUN + "Loaded miles 5.5.", coding_kb, dos=dos)
    assert ("A0425", units, ["RH"]) in got
    assert isinstance(next(u for c, u, _ in got if c == "A0425"), int) == (dos < "2011")


def test_odometer_difference_is_the_loaded_mileage(coding_kb: Any) -> None:
    got, r = lines(RUN + "\nOdometer: at scene 10234.5 / at destination 10246.8\n", coding_kb)
    assert ("A0425", 12.3, ["RH"]) in got
    line = next(p for p in r.procedures if p.code == "A0425")
    assert {"at scene 10234.5", "at destination 10246.8"} <= {e.text for e in line.evidence}


@pytest.mark.parametrize("readings", ["at scene 10246.8 / at destination 10234.5", "at scene 500.0 / at destination 500.0"])
def test_odometer_that_does_not_move_forward_gives_no_mileage(readings: str, coding_kb: Any) -> None:
    got, r = lines(RUN + f"\nOdometer: {readings}\n", coding_kb)
    assert got == [("A0429", 1, ["RH"])]
    assert warned(r, "odometer readings run backwards", "A0425")


def test_one_odometer_reading_is_not_a_mileage(coding_kb: Any) -> None:
    got, r = lines(RUN + "\nOdometer at scene 10234.5\n", coding_kb)
    assert got == [("A0429", 1, ["RH"])]
    assert warned(r, "odometer", "at-destination")


def test_missing_or_unlabelled_mileage_is_not_guessed(coding_kb: Any) -> None:
    got, r = lines(RUN, coding_kb)
    assert got == [("A0429", 1, ["RH"])]
    assert warned(r, "no loaded mileage", "A0425")
    got, r = lines(RUN + "Mileage: 12.3", coding_kb)
    assert got == [("A0429", 1, ["RH"])]
    assert warned(r, "without saying it is loaded")


def test_conflicting_or_zero_mileage_gives_no_line(coding_kb: Any) -> None:
    got, r = lines(RUN + "Loaded miles 2.2. Transported 2.4 miles.", coding_kb)
    assert "A0425" not in {c for c, _, _ in got}
    assert warned(r, "different loaded mileages", "2.2", "2.4")
    got, r = lines(RUN + "Loaded miles 0.", coding_kb)
    assert "A0425" not in {c for c, _, _ in got}
    assert warned(r, "zero loaded miles")


def test_response_miles_are_not_loaded_miles(coding_kb: Any) -> None:
    got, _ = lines(RUN + "Response miles 3.0. Loaded miles 2.2.", coding_kb)
    assert ("A0425", 2.2, ["RH"]) in got


# -- level --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("care", "code"),
    [
        ("Epinephrine 1 mg IV push x2.", "A0427"),  # 2 administrations: ALS1
        ("Epinephrine 1 mg IV push x3.", "A0433"),  # 3: ALS2
        ("Epinephrine 1 mg IVP at 10:02 and 10:06.", "A0427"),
        ("Epinephrine 1 mg IVP at 10:02, 10:06 and 10:10.", "A0433"),
        ("Adenosine 6 mg rapid IV push.\nAdenosine 12 mg rapid IV push.\n", "A0427"),
        ("Adenosine 6 mg rapid IV push.\nAdenosine 12 mg rapid IV push.\nAmiodarone 150 mg IV infusion.\n", "A0433"),
        ("Normal saline bolus x3.", "A0429"),  # fluids are never counted
        ("Three IV pushes of epinephrine 1 mg.", "A0433"),
    ],
)
def test_three_iv_medication_administrations_make_als2(care: str, code: str, coding_kb: Any) -> None:
    got, _ = lines(RUN + "\n" + care + "\nLoaded miles 3.", coding_kb)
    assert got[0] == (code, 1, ["RH"])


def test_iv_without_push_or_infusion_is_not_counted_for_als2(coding_kb: Any) -> None:
    got, r = lines(RUN + "\nEpinephrine 1 mg IV x3.\nLoaded miles 3.", coding_kb)
    assert got[0] == ("A0427", 1, ["RH"])
    assert warned(r, "A0433", "push")


@pytest.mark.parametrize(
    ("care", "code"),
    [
        ("AED applied, shock delivered.", "A0429"),  # automated: BLS
        ("Manual defibrillation at 200 J.", "A0433"),
        ("Synchronized cardioversion at 100 J.", "A0433"),
        ("Transcutaneous pacing at 70 bpm.", "A0433"),
        ("Needle decompression left chest.", "A0433"),
        ("IO access right tibia.", "A0433"),
        ("Failed intubation, BVM ventilation.", "A0429"),
        ("Already intubated at the sending facility.", "A0429"),
        ("Unable to obtain IV access.", "A0429"),
        ("IV established 18g.", "A0427"),
        ("12-lead obtained.", "A0427"),
        ("Nitroglycerin 0.4 mg SL given.", "A0427"),
        ("Home medications: nitroglycerin 0.4 mg SL PRN.", "A0429"),
        ("Epinephrine auto-injector 0.3 mg IM given.", "A0429"),
        ("Oxygen 2 L, splinted the left arm.", "A0429"),
    ],
)
def test_level_from_the_interventions(care: str, code: str, coding_kb: Any) -> None:
    got, _ = lines(RUN + "\n" + care + "\nLoaded miles 3.", coding_kb)
    assert got[0] == (code, 1, ["RH"])


def test_the_level_cites_its_interventions(coding_kb: Any) -> None:
    text = RUN + "\nPatient intubated by paramedic.\nLoaded miles 3.\nAssessment: pneumonia.\n"
    _, r = lines(text, coding_kb)
    line = next(p for p in r.procedures if p.code == "A0433")
    assert "intubated" in {e.text for e in line.evidence}
    assert any("endotracheal intubation" in w and "414.605" in w for w in line.rationale)
    assert line.system == "HCPCS"
    assert line.diagnosis_pointers == list(range(1, len(r.diagnoses[:4]) + 1))
    assert line.diagnosis_pointers


def test_als_assessment_counts_only_in_an_emergency(coding_kb: Any) -> None:
    got, _ = lines(RUN + "ALS assessment by paramedic. Loaded miles 3.", coding_kb)
    assert got[0] == ("A0427", 1, ["RH"])
    got, r = lines("Scheduled transport from home to Mercy Hospital. ALS assessment by paramedic. "
                   "Loaded miles 3.", coding_kb)
    assert got[0] == ("A0428", 1, ["RH"])
    assert warned(r, "ALS assessment", "emergency response")


def test_emergency_needs_its_documentation(coding_kb: Any) -> None:
    got, r = lines("Run report. Picked up at home, transported to Mercy Hospital. Loaded miles 3.", coding_kb)
    assert got[0] == ("A0428", 1, ["RH"])
    assert warned(r, "does not say whether the run was an emergency")
    got, _ = lines("Non-emergency transport. Picked up at home, transported to Mercy Hospital. "
                   "Loaded miles 3.", coding_kb)
    assert got[0] == ("A0428", 1, ["RH"])
    got, r = lines("911 call. Scheduled transport. Picked up at home, transported to Mercy Hospital. "
                   "Loaded miles 3.", coding_kb)
    assert got == [("A0425", 3, ["RH"])]
    assert warned(r, "both an emergency response", "A0428 / A0429")


def test_sct_needs_an_interfacility_transport_with_crew_and_care(coding_kb: Any) -> None:
    crew_care = "Critical care nurse on board, ventilator management. Loaded miles 20."
    got, _ = lines("Transferred from Mercy Hospital ICU to University Hospital. " + crew_care, coding_kb)
    assert got[0] == ("A0434", 1, ["HH"])
    got, _ = lines("Transferred from Riverside skilled nursing facility to University Hospital. " + crew_care, coding_kb)
    assert got[0] == ("A0434", 1, ["NH"])
    got, r = lines("911 call. Picked up at home, transported to Mercy Hospital. " + crew_care, coding_kb)
    assert got[0] == ("A0429", 1, ["RH"])
    assert warned(r, "A0434", "not an interfacility transport")
    got, r = lines("Transferred from Mercy Hospital to University Hospital. Critical care nurse on board. "
                   "IV established. Loaded miles 20.", coding_kb)
    assert got[0] == ("A0426", 1, ["HH"])
    assert warned(r, "A0434", "ongoing care")


# -- origin and destination ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trip", "pair"),
    [
        ("Picked up at home, transported to Mercy Hospital ED.", "RH"),
        ("Responded to the scene of the MVC. Transported to Mercy Hospital.", "SH"),
        ("Transported from Sunrise nursing home (SNF) to Mercy Hospital.", "NH"),
        ("Transferred from Mercy Hospital to University Hospital.", "HH"),
        ("Transported from Mercy Hospital to Oak Grove assisted living.", "HE"),
        ("Picked up at home, transported to the hospital-based dialysis unit at Mercy.", "RG"),
        ("Picked up at home, transported to the Eastside dialysis center.", "RJ"),
        ("Picked up at Dr. Lee's physician's office, transported to Mercy Hospital.", "PH"),
        ("Picked up at the cancer center, transported to home.", "DR"),
        ("Origin: residence\nDestination: Mercy Hospital\n", "RH"),
    ],
)
def test_origin_destination_pair(trip: str, pair: str, coding_kb: Any) -> None:
    got, _ = lines("Run report. Non-emergency. " + trip + " Loaded miles 3.", coding_kb)
    assert got == [("A0428", 1, [pair]), ("A0425", 3, [pair])]


@pytest.mark.parametrize(
    ("trip", "words"),
    [
        ("Transported from the nursing home to Mercy Hospital.", "nursing home"),
        ("Picked up at home.", "destination"),
        ("Unit en route to the scene. Transported to Mercy Hospital.", "origin"),
        ("Picked up at home, transported to the dialysis unit.", "dialysis facility"),
    ],
)
def test_undetermined_places_leave_the_pair_off(trip: str, words: str, coding_kb: Any) -> None:
    got, r = lines("Run report. Non-emergency. " + trip + " Loaded miles 3.", coding_kb)
    assert got == [("A0428", 1, []), ("A0425", 3, [])]
    assert warned(r, words, "modifier pair")


# -- air, dates, deleted codes, no transport, other settings --------------------------------------
def test_air_transports(coding_kb: Any) -> None:
    got, _ = lines("Helicopter transport. Picked up at the scene of the MVC, transported to University "
                   "Hospital. Loaded miles 38.6.", coding_kb)
    assert got == [("A0431", 1, ["SH"]), ("A0436", 38.6, ["SH"])]
    got, _ = lines("Fixed wing transport from Nome hospital to Anchorage medical center. Loaded miles 540.", coding_kb)
    assert got == [("A0430", 1, ["HH"]), ("A0435", 540, ["HH"])]
    got, _ = lines(RUN + "Rendezvous with helicopter at the landing zone. Loaded miles 3.", coding_kb)
    assert got[0] == ("A0429", 1, ["RH"])


@pytest.mark.parametrize(("dos", "coded"), [("2002-03-31", False), ("2002-04-01", True)])
def test_levels_in_force_from_the_fee_schedule(dos: str, coded: bool, coding_kb: Any) -> None:
    got, r = lines(RUN + "Loaded miles 3.", coding_kb, dos=dos)
    assert bool(got) == coded
    assert warned(r, "code this run by hand") != coded


@pytest.mark.parametrize(("named", "instead"), [("A0030", "A0430 / A0435"), ("A0300", "A0428 / A0429 / A0425"),
                                                ("A0340", "A0426 / A0427 / A0433")])
def test_deleted_codes_are_flagged_never_produced(named: str, instead: str, coding_kb: Any) -> None:
    got, r = lines(RUN + f"Old claim code {named}. Loaded miles 3.", coding_kb)
    assert named not in {c for c, _, _ in got}
    assert got == [("A0429", 1, ["RH"]), ("A0425", 3, ["RH"])]
    assert warned(r, f"{named} (in the note) was deleted on 2001-01-01", instead)


def test_no_transport_is_no_line(coding_kb: Any) -> None:
    got, r = lines("Run report. 911 call for a fall at home. Patient refused transport, signed refusal.", coding_kb)
    assert got == []
    assert warned(r, "no transport documented", "A0998")
    got, r = lines("Run report. 911 call. Patient initially refused transport, then agreed. Picked up at "
                   "home, transported to Mercy Hospital. Loaded miles 3.", coding_kb)
    assert got == [("A0429", 1, ["RH"]), ("A0425", 3, ["RH"])]
    assert warned(r, "both a transport and")


def test_an_ed_note_that_mentions_the_ambulance_codes_nothing(coding_kb: Any) -> None:
    text = ("Chief complaint: chest pain. Arrived by ambulance; EMS gave aspirin and transported him from "
            "home to the ED. Assessment: chest pain.")
    got, _ = lines(text, coding_kb, setting="emergency")
    assert got == []
    got, _ = lines("EMS run report. " + RUN + "Loaded miles 3.", coding_kb, setting="outpatient")
    assert got == [("A0429", 1, ["RH"]), ("A0425", 3, ["RH"])]


def test_multiple_patients_warns_about_gm(coding_kb: Any) -> None:
    _, r = lines(RUN + "Two patients on board. Loaded miles 3.", coding_kb)
    assert warned(r, "GM")
