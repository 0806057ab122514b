"""Shared audit fixtures: one knowledge base for the re-review tests, and claim builders.

``audit_kb`` holds the bundled ICD-10-CM tabular, the hand-written NCCI PTP and MUE tables of
the claim scrubber scenarios (``tests/fixtures/ncci/scrubber``: invented pairs and values,
release 2026Q3, so claims that need them are dated July-September 2026) and, when
``../shared/data`` is present, the CY2025 Medicare physician fee schedule (RVU, GPCI, locality,
ZIP files, as in ``tests/claims/test_pricing.py``). ``fee_schedule`` says whether it is loaded.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from medcoder.audit.model import AuditClaim, AuditLine, Documentation, Member
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.encounter import Encounter

TESTS = Path(__file__).resolve().parents[1]
# the same lookup as tests/conftest.py's shared_data fixture
SHARED = Path(os.environ.get("MEDCODER_SHARED", TESTS.parents[0].parent / "shared")).resolve()
SCRUBBER = TESTS / "fixtures" / "ncci" / "scrubber"
PFS_FILES = {
    "pfs-rvu": "PPRRVU2025_Oct.csv",
    "pfs-gpci": "GPCI2025.csv",
    "pfs-locality": "25LOCCO.csv",
    "pfs-zip": "ZIP5_OCT2025.txt",
}
LOCALITY = "13202-01"  # Manhattan (GPCI2025.csv 13202 NY 01)


def _shared_pfs() -> Path | None:
    d = SHARED / "data" / "pfs"
    return d if all((d / f).is_file() for f in PFS_FILES.values()) else None


@pytest.fixture(scope="session")
def audit_kb(_built_tabular: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    d = tmp_path_factory.mktemp("audit-kb")
    shutil.copytree(_built_tabular, d, dirs_exist_ok=True)
    kb = KnowledgeBase(DataStore(d))
    kb.import_file("ncci-ptp-practitioner", SCRUBBER / "ccipra-v322r0-f1.txt")
    kb.import_file("mue-practitioner", SCRUBBER / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv")
    pfs = _shared_pfs()
    if pfs is not None:
        for kind, name in PFS_FILES.items():
            kb.import_file(kind, pfs / name)
    return kb


@pytest.fixture(scope="session")
def fee_schedule(audit_kb: KnowledgeBase) -> bool:
    return bool(audit_kb.store.tables("pfs-rvu"))


def _date(v: Any) -> _dt.date | None:
    if v is None or isinstance(v, _dt.date):
        return v
    return _dt.date.fromisoformat(str(v))


def make_claim(data: dict[str, Any]) -> AuditClaim:
    """An AuditClaim from a case's ``claim:`` mapping (amounts as strings or numbers)."""
    lines = [
        AuditLine(
            line=i, code=str(ln["code"]), modifiers=[str(m) for m in ln.get("modifiers", [])],
            units=Decimal(str(ln.get("units", 1))),
            charge=Decimal(str(ln["charge"])) if "charge" in ln else None,
            paid=Decimal(str(ln["paid"])) if "paid" in ln else None,
            paid_source="extract" if "paid" in ln else None,
            date_of_service=_date(ln.get("date")), pointers=list(ln.get("pointers", [1])),
        )
        for i, ln in enumerate(data["lines"], start=1)
    ]
    return AuditClaim(
        claim_id=str(data["claim_id"]), patient_id=str(data.get("patient_id", "P1")),
        provider_id=str(data.get("provider_id", "1245319599")),
        date_of_service=_date(data["date_of_service"]) or _dt.date.today(), lines=lines,
        diagnoses=[str(d) for d in data.get("diagnoses", [])], payer=data.get("payer", "Medicare Part B"),
        patient_birth_date=_date(data.get("birth_date", "1950-03-02")), patient_sex=data.get("sex", "M"),
        setting=data.get("setting", "outpatient"), place_of_service=data.get("place_of_service", "11"),
        source="case",
    )


def make_doc(claim_id: str, text: str) -> Documentation:
    return Documentation(claim_id, f"{claim_id}.txt", "text", Encounter(text=text))


def make_member(patient_id: str, data: dict[str, Any]) -> Member:
    return Member(patient_id, enrolled_from=_date(data.get("enrolled_from")),
                  enrolled_to=_date(data.get("enrolled_to")), date_of_death=_date(data.get("date_of_death")),
                  source="members.csv")


@pytest.fixture(scope="session")
def build() -> SimpleNamespace:
    """The builders above, for the test modules: ``build.claim(data)``, ``build.doc(id, text)``,
    ``build.member(patient_id, data)``, ``build.locality``."""
    return SimpleNamespace(claim=make_claim, doc=make_doc, member=make_member, locality=LOCALITY)
