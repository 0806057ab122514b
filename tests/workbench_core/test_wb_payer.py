"""The payer given at ingest reaches the coders: a Medicare encounter is coded with Medicare's
own codes (vaccine administration G0008/G0009, not 90471/90472), as the audit's re-review codes
it, so the audit can reuse the stored result."""

from __future__ import annotations

import pytest
from wbcore_helpers import ready_encounter

from medcoder.workbench import Actor, Workbench

NOTE = ("Nurse immunization visit. Encounter for immunization.\n"
        "Influenza vaccine trivalent preservative-free 0.5 mL IM given left deltoid.\n"
        "Prevnar 20 0.5 mL IM administered right deltoid.\n")


def _procedures(wb: Workbench, actor: Actor, payer: str | None) -> set[str]:
    eid = ready_encounter(wb, actor, NOTE, filename="visit.txt", payer=payer,
                          date_of_service="2025-10-06", setting="outpatient")
    enc = wb.encounter(actor, eid)
    return {c["code"] for c in enc["codes"] if c["kind"] == "procedure"}


@pytest.mark.parametrize("payer", ["MEDICARE", "medicare part b"])
def test_a_medicare_payer_gets_medicares_administration_codes(wb: Workbench, actors: dict[str, Actor],
                                                              payer: str) -> None:
    codes = _procedures(wb, actors["coder"], payer)
    assert {"G0008", "G0009"} <= codes
    assert not {"90471", "90472"} & codes


@pytest.mark.parametrize("payer", ["Aetna", None])
def test_other_payers_get_the_cpt_administration_codes(wb: Workbench, actors: dict[str, Actor],
                                                       payer: str | None) -> None:
    codes = _procedures(wb, actors["coder"], payer)
    assert "90471" in codes and not {"G0008", "G0009"} & codes
