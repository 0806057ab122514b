"""The parts of a professional claim the remittance tests share (written for these tests): the
practice, its rendering provider, the Medicare payer, the patient and the 837 submitter."""

from __future__ import annotations

import datetime as _dt
from typing import Any

BILLING: dict[str, Any] = {
    "name": "Riverside Family Medicine", "npi": "1234567893", "tax_id": "12-3456789",
    "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}}
RENDERING: dict[str, Any] = {"name": "Lee", "first_name": "Ann", "npi": "1245319599", "entity": "person"}
MEDICARE: dict[str, Any] = {"key": "medicare", "name": "Medicare Part B", "payer_id": "00952",
                            "kind": "medicare"}
PATIENT: dict[str, Any] = {
    "last_name": "Doe", "first_name": "John", "birth_date": "1950-03-02", "sex": "M",
    "member_id": "1EG4TE5MK73",
    "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL", "zip": "62704"}}


def submitter(created: _dt.datetime | None = None) -> dict[str, Any]:
    """The 837 submitter (loop 1000A) the tests write claims with."""
    out: dict[str, Any] = {"submitter_name": "Riverside Family Medicine", "submitter_id": "1234567893",
                           "contact_name": "Billing Office", "contact_phone": "217-555-0100"}
    if created is not None:
        out["created"] = created
    return out
