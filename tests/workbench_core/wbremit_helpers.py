"""A billing profile with a commercial payer's contract, a released encounter and payer 835s
for the workbench remittance tests (written for these tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from wbcore_helpers import PATIENT, example

#: the contract's allowed amounts (what pricing expects acme to allow), per E/M code
CONTRACT = {"99202": "60.00", "99203": "95.00", "99204": "150.00", "99205": "190.00",
            "99212": "55.00", "99213": "100.00", "99214": "140.00", "99215": "185.00"}

PROFILE = """\
practice:
  name: Test Family Medicine
  npi: "1234567893"
  tax_id: "12-3456789"
  taxonomy: 207Q00000X
  address: {line1: 1 Main St, city: Springfield, state: IL, zip: "62701"}
providers:
  lee: {first_name: Ann, last_name: Lee, npi: "1245319599", taxonomy: 207Q00000X}
payers:
  acme: {name: Acme Health, payer_id: "ACME1", kind: commercial}
charges:
  "99202": 120.00
  "99203": 210.00
  "99204": 310.00
  "99205": 400.00
  "99212": 95.00
  "99213": 145.00
  "99214": 210.00
  "99215": 285.00
submitter: {name: Test Family Medicine, id: "1234567893", contact: Billing Office, phone: 217-555-0100}
pricing:
  zip: "62701"
  contracts:
    acme: {file: acme.csv}
"""


def write_profile(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.csv").write_text(
        "code,modifier,allowed,percent_of_medicare\n"
        + "".join(f"{c},,{a},\n" for c, a in CONTRACT.items()), encoding="utf-8")
    path = folder / "profile.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def released(wb: Any, coder: Any, biller: Any, tmp: Path) -> tuple[int, Any]:
    """An encounter coded, accepted, completed and released as an 837P; (id, the Claim the
    payer reads back from the released file)."""
    from medcoder.claims.readers.x837p import read_837p

    summary = wb.ingest(coder, example("office-diabetes-ckd.json"), filename="note.json",
                        payer="acme", patient=PATIENT)
    eid = int(summary["id"])
    wb.run_pending(worker_id="test")
    enc = wb.encounter(coder, eid)
    for c in enc["codes"]:
        wb.decide(coder, eid, action="accept", code=c["code"], kind=c["kind"])
    wb.complete(coder, eid)
    out = wb.release(biller, eid, fmt="837p")
    path = tmp / f"released-{eid}.837"
    path.write_text(out["content"], encoding="utf-8")
    (claim,) = read_837p(path)
    return eid, claim


def era(payments: list[Any], trace: str, *, when: dt.datetime | None = None) -> str:
    """An 835 paying ``payments`` (ClaimPayments from ``remit.generate.adjudicate``)."""
    from medcoder.remit.generate import remittance_for
    from medcoder.remit.model import Party
    from medcoder.remit.writers.x835 import write_835

    rems = [remittance_for(payments, payer=Party("ACME HEALTH", "PI", "ACME1"),
                           payee=Party("TEST FAMILY MEDICINE", "XX", "1234567893"), trace=trace,
                           paid_on=dt.date(2026, 6, 1), originator="1999999999")]
    return write_835(rems, sender="ACME1", receiver="CLINIC", when=when or dt.datetime(2026, 6, 1, 8))


def expected(claim: Any) -> dict[int, Decimal]:
    """The contract's allowed amount of each claim line (1-based), units 1."""
    return {i: Decimal(CONTRACT[ln.code]) * ln.units for i, ln in enumerate(claim.lines, start=1)}
