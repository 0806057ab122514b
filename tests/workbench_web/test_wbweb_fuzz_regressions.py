"""One plain test per bug the schema fuzz (``test_wbweb_schema_fuzz.py``) found: each request once
gave a 500 (or a status the OpenAPI did not declare) and now gets the problem+json expected."""

from __future__ import annotations

from typing import Any

import pytest
from wbweb_support import PATIENT, TestClient, World, login

from medcoder.errors import InputError
from medcoder.workbench.errors import NotFound
from medcoder.workbench.service import MAX_ID
from medcoder.workbench.store.db import check_parameters

PROBLEM = "application/problem+json"
HUGE = 2**63  # one past SQLite's INTEGER (and far past PostgreSQL's 32-bit ids)


def problem(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return dict(body)


# a huge integer id: OverflowError from the SQLite driver (500) -------------------------------
@pytest.mark.parametrize("path", [
    f"/api/v1/access-log?encounter_id={HUGE}",
    f"/api/v1/audit?encounter_id={HUGE}",
    f"/api/v1/encounters/{HUGE}",
    f"/api/v1/encounters/{HUGE}/history",
    f"/api/v1/jobs/{HUGE}",
    f"/api/v1/worklist?offset={HUGE}",
])
def test_a_huge_integer_is_a_validation_problem(world: World, path: str) -> None:
    body = problem(world.client.get(path, headers=world.h("admin")), 422, "MC100")
    assert body["errors"][0]["field"].split(".")[-1] in ("encounter_id", "job_id", "offset")
    assert str(HUGE) not in body["detail"]  # the value sent is never echoed


@pytest.mark.parametrize("method,path,body", [
    ("patch", f"/api/v1/users/{MAX_ID + 1}", {"active": True}),
    ("delete", f"/api/v1/tokens/{MAX_ID + 1}", None),
    ("post", f"/api/v1/encounters/{HUGE}/queries/{HUGE}/answer", {"answer": "yes"}),
])
def test_ids_past_the_32_bit_columns_are_refused(world: World, method: str, path: str,
                                                  body: Any) -> None:
    kw = {"json": body} if body is not None else {}
    problem(getattr(world.client, method)(path, headers=world.h("admin"), **kw), 422, "MC100")


def test_the_service_finds_nothing_past_max_id(world: World) -> None:
    """Library callers and the page (no schema in front) get NotFound, not a driver error."""
    admin = world.actors["admin"]
    for call in (lambda: world.wb.encounter(admin, HUGE), lambda: world.wb.job(admin, HUGE),
                 lambda: world.wb.history(admin, MAX_ID + 1),
                 lambda: world.wb.update_user(admin, HUGE, active=True),
                 lambda: world.wb.revoke_token(admin, HUGE)):
        with pytest.raises(NotFound):
            call()
    assert world.wb.access_log(admin, encounter_id=HUGE) == []
    with pytest.raises(InputError) as e:
        world.wb.worklist(admin, offset=HUGE)
    assert e.value.where == "offset"


def test_the_page_answers_a_huge_id_and_page_number(world: World) -> None:
    client = TestClient(world.client.app)
    login(client, "admin")
    assert client.get(f"/encounters/{HUGE}").status_code == 404
    assert client.get(f"/worklist?page={2**62}").status_code == 422


# worklist q: digits beyond 64 bits (OverflowError) and non-ASCII digits (int() ValueError) ----
@pytest.mark.parametrize("q", ["9" * 30, "²", "١٢"])
def test_worklist_words_that_look_like_ids(world: World, q: str) -> None:
    r = world.client.get("/api/v1/worklist", params={"q": q}, headers=world.h("coder"))
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 0


# a NUL character in a text value: PostgreSQL's DataError (500); SQLite stored it -------------
@pytest.mark.parametrize("method,path,kw,where", [
    ("get", "/api/v1/worklist", {"params": {"payer": "Acme\x00"}}, "payer"),
    ("get", "/api/v1/worklist", {"params": {"q": "\x00"}}, "request"),
    ("post", "/api/v1/documents", {"content": b"Cough.", "params": {"payer": "\x00"}}, "payer"),
    ("post", "/api/v1/documents", {"content": b"Cough.", "params": {"filename": "a\x00.txt"}},
     "source_name"),
    ("post", "/api/v1/users", {"json": {"username": "nul\x00", "password": "long enough pw",
                                        "role": "coder"}}, "username"),
    ("post", "/api/v1/tokens", {"json": {"name": "\x00"}}, "name"),
])
def test_a_nul_character_is_an_input_problem(world: World, method: str, path: str,
                                             kw: dict[str, Any], where: str) -> None:
    body = problem(getattr(world.client, method)(path, headers=world.h("admin"), **kw), 422,
                   "MC100")
    assert "NUL character" in body["detail"]
    assert body.get("where", "").startswith(where) or where == "request"


def test_a_nul_in_a_decision_reason_records_nothing(world: World) -> None:
    eid = world.ingest(patient=PATIENT)
    before = world.client.get(f"/api/v1/encounters/{eid}/history", headers=world.h("coder")).json()
    enc = world.client.get(f"/api/v1/encounters/{eid}", headers=world.h("coder")).json()
    code = next(c["code"] for c in enc["codes"] if c.get("kind", "diagnosis") == "diagnosis")
    r = world.client.post(f"/api/v1/encounters/{eid}/decisions", headers=world.h("coder"),
                          json={"action": "reject", "code": code, "reason": "not\x00supported"})
    problem(r, 422, "MC100")
    after = world.client.get(f"/api/v1/encounters/{eid}/history", headers=world.h("coder")).json()
    assert after == before


def test_check_parameters_names_the_bind_never_the_value() -> None:
    check_parameters({"payer": "Acme", "id": 7})
    check_parameters(("Acme", 7), ["payer", "id_1"])
    with pytest.raises(InputError) as e:
        check_parameters(("Acme", "secret note\x00"), ["payer", "text_1"])
    assert e.value.where == "text" and "secret" not in e.value.message
    with pytest.raises(InputError) as e:
        check_parameters([{"id_1": HUGE}])
    assert e.value.where == "id" and "64 bits" in e.value.message


# statuses the OpenAPI did not declare --------------------------------------------------------
@pytest.mark.parametrize("method,path,kw", [
    ("post", "/api/v1/code", {"content": b"\xff", "headers": {"content-type": "application/json"}}),
    ("post", "/api/v1/remits", {"content": b"--x\r\nTrue--x--\r\n",
                                "headers": {"content-type": "multipart/form-data; boundary=x"}}),
    ("post", "/api/v1/documents", {"content": b"x", "headers": {"content-length": "abc"}}),
])
def test_an_unreadable_request_is_a_declared_400(world: World, method: str, path: str,
                                                 kw: dict[str, Any]) -> None:
    headers = {**world.h("admin"), **kw.pop("headers")}
    problem(getattr(world.client, method)(path, headers=headers, **kw), 400, "MC400")
    spec = world.client.get("/api/v1/openapi.json").json()
    op = spec["paths"][path]["post"]
    assert "400" in op["responses"]
    assert PROBLEM in op["responses"]["400"]["content"]
