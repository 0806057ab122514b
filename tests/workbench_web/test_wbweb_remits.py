"""Remittances through the API and the page: a payer's 835 denying the released claim is posted
(201) with the denial explained on the encounter page, and the same 835 again is 409."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wbweb_support import PATIENT, World, login, make_world

CONTRACT = "code,modifier,allowed,percent_of_medicare\n" + "".join(
    f"{c},,{a},\n" for c, a in (("99212", "55.00"), ("99213", "100.00"), ("99214", "140.00"),
                                ("99215", "185.00")))
PROFILE = """\
practice:
  name: Web Test Clinic
  npi: "1234567893"
  tax_id: "12-3456789"
  address: {line1: 1 Main St, city: Springfield, state: IL, zip: "62701"}
providers:
  lee: {first_name: Ann, last_name: Lee, npi: "1245319599"}
payers:
  acme: {name: Acme Health, payer_id: "ACME1", kind: commercial}
charges: {"99212": 95.00, "99213": 145.00, "99214": 210.00, "99215": 285.00}
submitter: {name: Web Test Clinic, id: "1234567893", contact: Billing, phone: 217-555-0100}
pricing: {zip: "62701", contracts: {acme: {file: acme.csv}}}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, coding_kb: Any) -> Iterator[World]:
    tmp = Path(tmp_path_factory.mktemp("wbweb-remits"))
    (tmp / "acme.csv").write_text(CONTRACT, encoding="utf-8")
    (tmp / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    w = make_world(tmp, coding_kb, billing_profile=str(tmp / "profile.yaml"))
    yield w
    w.client.close()
    w.wb.close()


def test_denied_remit_posted_once_and_explained(world: World, tmp_path: Path) -> None:
    from medcoder.claims.readers.x837p import read_837p
    from medcoder.remit.generate import adjudicate, remittance_for
    from medcoder.remit.model import Party
    from medcoder.remit.writers.x835 import write_835

    eid = world.ingest(patient=PATIENT)
    base = f"/api/v1/encounters/{eid}"
    enc = world.client.get(base, headers=world.h("coder")).json()
    for c in enc["codes"]:
        r = world.client.post(f"{base}/decisions", json={"action": "accept", "code": c["code"],
                                                        "kind": c["kind"]}, headers=world.h("coder"))
        assert r.status_code == 200, r.text
    assert world.client.post(f"{base}/complete", headers=world.h("coder")).status_code == 200
    r = world.client.post(f"{base}/release?download=true", json={"fmt": "837p"}, headers=world.h("biller"))
    assert r.status_code == 200, r.text
    (tmp_path / "c.837").write_bytes(r.content)
    (claim,) = read_837p(tmp_path / "c.837")

    denied = adjudicate(claim, "denied", denial=("16", "MA130"), payer_claim_id="PCN7")
    rem = remittance_for([denied], payer=Party("ACME HEALTH", "PI", "ACME1"),
                         payee=Party("WEB TEST CLINIC", "XX", "1234567893"), trace="W1",
                         paid_on=dt.date(2026, 6, 1), originator="1999999999")
    text = write_835([rem], sender="ACME1", receiver="CLINIC", when=dt.datetime(2026, 6, 1, 8)).encode()
    r = world.client.post("/api/v1/remits", files={"file": ("era.835", text)}, headers=world.h("biller"))
    assert r.status_code == 201, r.text
    (m,) = r.json()["matched"]
    assert m["expected"] is not None and m["lines"][0]["denial"]["category"] == "missing-info"
    listed = world.client.get("/api/v1/remits", headers=world.h("biller")).json()
    assert [x["trace_number"] for x in listed] == ["W1"] and listed[0]["claims_matched"] == 1

    again = world.client.post("/api/v1/remits", files={"file": ("era.835", text)}, headers=world.h("biller"))
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    body = again.json()
    assert body["code"] == "MC409" and "already posted" in body["detail"]
    hist = world.client.get(f"{base}/history", headers=world.h("biller")).json()
    assert [h["type"] for h in hist].count("remit_posted") == 1

    login(world.client, "biller")
    page = world.client.get(f"/encounters/{eid}").text
    assert 'class="denial-category">Missing / invalid information' in page
    assert "CO-16" in page and "MA130" in page
    assert 'class="remit-expected">' in page and "not priced" not in page.split('class="remit-expected">')[1][:20]
