"""The audit view over HTTP: ``GET /api/v1/audit`` (auditEncounters) and the /audit page with
the encounter page's audit panel, on a claim released with an E/M level the note does not
support (the coder raised 99213 to 99215)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from wbweb_support import PATIENT, TestClient, World, login

from medcoder.workbench.web import create_app

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def upcoded(world: World) -> int:
    """Released through the API, its visit code edited from 99213 to 99215."""
    eid = world.ingest(patient=PATIENT)
    base = f"/api/v1/encounters/{eid}"
    codes = world.client.get(base, headers=world.h("coder")).json()["codes"]
    for c in codes:
        body: dict[str, Any] = {"action": "accept", "code": c["code"], "kind": c["kind"]}
        if c["code"] == "99213":
            body = {"action": "edit", "code": "99213", "kind": "procedure", "new_code": "99215",
                    "reason": "level raised (audit test)"}
        r = world.client.post(f"{base}/decisions", json=body, headers=world.h("coder"))
        assert r.status_code == 200, r.text
    assert world.client.post(f"{base}/complete", headers=world.h("coder")).status_code == 200
    r = world.client.post(f"{base}/release", json={"fmt": "837p"}, headers=world.h("biller"))
    assert r.status_code == 200, r.text
    return eid


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    return dict(r.json())


def test_api_audit_finds_the_unsupported_level(world: World, upcoded: int) -> None:
    r = world.client.get(f"/api/v1/audit?encounter_id={upcoded}", headers=world.h("auditor"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["reviewed"] == 1
    (f,) = [f for f in out["findings"] if f["check"] == "em-level"]
    assert (f["encounter_id"], f["line"], f["severity"], f["billed"], f["supported"]) == (
        upcoded, 1, "error", "99215", "99213")
    assert f["evidence"] and {"start", "end", "text"} <= set(f["evidence"][0])
    assert {"message", "reference", "amount"} <= set(f)
    # the whole list (every released encounter) holds it too, for an admin as well
    everything = world.client.get("/api/v1/audit", headers=world.h("admin")).json()
    assert any(g["encounter_id"] == upcoded and g["check"] == "em-level" for g in everything["findings"])
    spec = world.client.get("/api/v1/openapi.json").json()
    assert spec["paths"]["/api/v1/audit"]["get"]["operationId"] == "auditEncounters"
    # recode=true codes the note again: the same findings, and the audited event says so
    again = world.client.get(f"/api/v1/audit?encounter_id={upcoded}&recode=true",
                             headers=world.h("auditor")).json()
    assert again["findings"] == out["findings"]
    hist = world.client.get(f"/api/v1/encounters/{upcoded}/history", headers=world.h("admin")).json()
    assert [h["data"]["coding"] for h in hist if h["type"] == "audited"][-1] == "recoded"


@pytest.mark.parametrize("role", ["coder", "biller"])
def test_api_audit_refuses_other_roles(world: World, role: str) -> None:
    body = _problem(world.client.get("/api/v1/audit", headers=world.h(role)), 403)
    assert body["code"] == "MC403" and "may not 'audit'" in body["detail"]


def test_api_audit_unknown_encounter_and_bad_status(world: World) -> None:
    assert _problem(world.client.get("/api/v1/audit?encounter_id=987654",
                                     headers=world.h("auditor")), 404)["code"] == "MC404"
    _problem(world.client.get("/api/v1/audit?status=ready", headers=world.h("auditor")), 422)


def test_audit_page_and_encounter_panel(world: World, upcoded: int) -> None:
    client = TestClient(create_app(world.settings, workbench=world.wb))
    login(client, "auditor")
    assert '<a href="/audit">Audit</a>' in client.get("/worklist").text
    page = client.get("/audit")
    assert page.status_code == 200
    html = page.text
    section = html[html.index(f'id="audit-enc-{upcoded}"'):]
    section = section[:section.index("</section>")]
    assert f'href="/encounters/{upcoded}?audit=1#audit"' in section
    for words in ("em-level", "error", "99215 billed, above the 99213", "Levels of MDM"):
        assert words in section, words
    # the encounter's audit panel marks the finding's evidence in the note
    enc = client.get(f"/encounters/{upcoded}?audit=1")
    assert enc.status_code == 200
    marks = re.findall(r'<mark class="audit" data-finding="([^"]+)"[^>]*>([^<]*)</mark>', enc.text)
    assert marks and all("F1" in ids.split() for ids, _ in marks)
    assert any("CKD stage 3a" in text for _, text in marks)
    assert 'id="audit-title"' in enc.text and "99215 billed" in enc.text
    # without ?audit=1 the panel offers the audit and says when it was last run
    plain = client.get(f"/encounters/{upcoded}").text
    assert 'id="audit-link"' in plain and "last audited" in plain and 'class="audit"' not in plain
    client.close()


def test_the_coder_sees_no_audit(world: World, upcoded: int) -> None:
    client = TestClient(create_app(world.settings, workbench=world.wb))
    login(client, "coder")
    assert 'href="/audit"' not in client.get("/worklist").text
    r = client.get("/audit", headers={"accept": "text/html"})
    assert r.status_code == 403 and "may not" in r.text
    enc = client.get(f"/encounters/{upcoded}?audit=1").text
    assert 'id="audit-title"' not in enc and 'class="audit"' not in enc
    client.close()
