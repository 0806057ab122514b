"""The page (sessions, CSRF, escaping), the access log, the app's lifespan and `medcoder serve`."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from wbweb_support import SECRET, TestClient, World, csrf_of, login

from medcoder.workbench.errors import ConfigError
from medcoder.workbench.settings import Settings
from medcoder.workbench.web import create_app
from medcoder.workbench.web.pages import evidence_segments


def page_client(world: World) -> TestClient:
    return TestClient(create_app(world.settings, workbench=world.wb), headers={"Accept": "text/html"})


def test_login_required_and_cookie_flags(world: World) -> None:
    c = page_client(world)
    r = c.get("/worklist", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page = c.get("/login")
    assert 'for="username"' in page.text and 'id="username"' in page.text
    r = c.post("/login", data={"username": "coder", "password": "wrong password",
                               "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 401 and "wrong username or password" in r.text
    r = c.post("/login", data={"username": "coder", "password": world.password,
                               "csrf_token": csrf_of(page.text), "next": "https://evil.example/"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/worklist"  # no open redirect
    cookie = r.headers["set-cookie"]
    assert "mc_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # test env; production sets Secure


def test_login_without_csrf_is_refused(world: World) -> None:
    c = page_client(world)
    c.get("/login")
    r = c.post("/login", data={"username": "coder", "password": world.password})
    assert r.status_code == 403 and "CSRF" in r.text


def test_forms_and_fetch_need_the_csrf_token(world: World, coded: int) -> None:
    c = page_client(world)
    token = login(c, "coder")
    enc = world.wb.encounter(world.actors["coder"], coded)
    code = enc["codes"][0]["code"]
    # a page form without the token
    r = c.post(f"/encounters/{coded}/decide", data={"action": "accept", "code": code})
    assert r.status_code == 403
    # the API with the session cookie but no X-CSRF-Token header
    r = c.post(f"/api/v1/encounters/{coded}/queries", json={"question": "Which stage?"})
    assert r.status_code == 403 and r.json()["code"] == "MC403"
    r = c.post(f"/api/v1/encounters/{coded}/queries", json={"question": "Which stage?"},
               headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = c.post(f"/api/v1/encounters/{coded}/queries", json={"question": "Which stage?"},
               headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    # GET through the session needs no token
    assert c.get(f"/api/v1/encounters/{coded}/history").status_code == 200


def test_review_through_the_page(world: World) -> None:
    eid = world.ingest()
    c = page_client(world)
    token = login(c, "coder")
    wl = c.get("/worklist?status=ready")
    assert f'href="/encounters/{eid}"' in wl.text
    page = c.get(f"/encounters/{eid}")
    assert page.status_code == 200
    marks = re.findall(r'<mark data-code="([^"]+)"', page.text)
    assert any("E11.22" in m.split() for m in marks)
    version = int(re.search(r'data-version="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    r = c.post(f"/encounters/{eid}/decide", data={"csrf_token": token, "action": "accept", "code": "E11.22",
                                                  "kind": "diagnosis", "version": str(version),
                                                  "anchor": "code-1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/encounters/{eid}#code-1"
    page = c.get(f"/encounters/{eid}")
    assert "E11.22 accepted" in page.text  # the flash
    # an edit without a reason comes back as a message on the page, not an error page
    r = c.post(f"/encounters/{eid}/decide", data={"csrf_token": token, "action": "edit", "code": "I12.9",
                                                  "new_code": "I13.0"})
    assert r.status_code == 200 and "needs a reason" in r.text
    assert world.wb.encounter(world.actors["coder"], eid)["status"] == "in_review"


def test_note_text_is_escaped(world: World) -> None:
    eid = world.ingest(data=b"Patient says <script>alert('x')</script> cough for two days. Type 2 diabetes.",
                       name="note.txt")
    c = page_client(world)
    login(c, "coder")
    html = c.get(f"/encounters/{eid}").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html


def test_unknown_encounter_on_the_page_is_an_html_404(world: World) -> None:
    c = page_client(world)
    login(c, "auditor")
    r = c.get("/encounters/424242")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "MC404" in r.text


def test_roles_see_their_buttons(world: World, coded: int) -> None:
    c = page_client(world)
    login(c, "auditor")
    html = c.get(f"/encounters/{coded}").text
    assert "Accept</button>" not in html and "History" in html
    assert 'action="/upload"' not in c.get("/worklist").text
    c2 = page_client(world)
    login(c2, "coder")
    assert "Accept</button>" in c2.get(f"/encounters/{coded}").text


def test_logout_needs_csrf_and_clears_the_session(world: World) -> None:
    c = page_client(world)
    token = login(c, "biller")
    assert c.post("/logout", data={}).status_code == 403
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    c.cookies.clear()
    assert c.get("/worklist", follow_redirects=False).status_code == 303


def test_a_forged_session_cookie_is_ignored(world: World) -> None:
    c = page_client(world)
    c.cookies.set("mc_session", "eyJ1aWQiOjEsInUiOiJhZG1pbiIsInIiOiJhZG1pbiJ9.forged.sig")
    assert c.get("/worklist", follow_redirects=False).status_code == 303
    assert c.get("/api/v1/me").status_code == 401


def test_a_deactivated_users_token_and_session_are_refused_at_once(world: World) -> None:
    admin = world.h("admin")
    r = world.client.post("/api/v1/users", json={"username": "temp", "password": world.password,
                                                 "role": "coder"}, headers=admin)
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    c = page_client(world)
    csrf = login(c, "temp")
    token = c.post("/api/v1/tokens", json={"name": "t"}, headers={"X-CSRF-Token": csrf}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/v1/me", headers=bearer).json()["role"] == "coder"
    assert c.get("/api/v1/me").json()["username"] == "temp"
    # a changed role is the session's and the token's at their next request
    r = world.client.patch(f"/api/v1/users/{uid}", json={"role": "auditor"}, headers=admin)
    assert r.status_code == 200 and r.json()["role"] == "auditor"
    assert c.get("/api/v1/me").json()["role"] == "auditor"
    assert world.client.get("/api/v1/me", headers=bearer).json()["role"] == "auditor"
    assert c.get("/api/v1/access-log").status_code == 200  # the auditor's right, at once
    # deactivated: both refused on the very next request, the page goes back to the login
    r = world.client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert world.client.get("/api/v1/me", headers=bearer).status_code == 401
    assert c.get("/api/v1/me").status_code == 401
    r = c.get("/worklist", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = c.post("/api/v1/code", json={"text": "Cough."}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 401
    # only admins change users; an admin cannot lock themselves out
    r = world.client.patch(f"/api/v1/users/{uid}", json={"active": True}, headers=world.h("coder"))
    assert r.status_code == 403
    me = world.actors["admin"].user_id
    r = world.client.patch(f"/api/v1/users/{me}", json={"active": False}, headers=admin)
    assert r.status_code == 409
    assert world.client.patch("/api/v1/users/9999", json={"active": False}, headers=admin).status_code == 404
    assert world.client.patch(f"/api/v1/users/{uid}", json={"role": "boss"}, headers=admin).status_code == 422


def test_access_log_has_no_query_string_nor_body(world: World, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="medcoder.workbench.access"):
        world.client.get("/api/v1/worklist?q=Quarterfield", headers=world.h("coder"))
        world.client.post("/api/v1/code", json={"text": "Quarterfield has a cough."}, headers=world.h("coder"))
    lines = [r.getMessage() for r in caplog.records if r.name == "medcoder.workbench.access"]
    assert any(line.startswith("GET /api/v1/worklist 200 ") and line.endswith(" coder") for line in lines)
    assert any(line.startswith("POST /api/v1/code 200 ") for line in lines)
    assert not any("Quarterfield" in line for line in lines)


def test_lifespan_opens_and_closes_its_own_workbench(tmp_path: Path) -> None:
    s = Settings(env="test", secret_key=SECRET, database_url=f"sqlite:///{tmp_path / 'own.sqlite'}", job_threads=1)
    app = create_app(s)
    assert app.state.workbench is None  # nothing opened by create_app
    with TestClient(app) as c:
        assert app.state.workbench is not None
        assert c.get("/healthz").status_code == 200
        assert c.get("/api/v1/me").status_code == 401
    assert (tmp_path / "own.sqlite").exists()


@pytest.mark.parametrize("secret", ["", "short", "medcoder-development-secret-do-not-use-in-production"])
def test_production_refuses_a_weak_secret(secret: str) -> None:
    with pytest.raises(ConfigError):
        create_app(Settings(env="production", secret_key=secret, database_url="sqlite://"))


def test_evidence_segments_split_overlaps() -> None:
    text = "abc diabetes with ckd xyz"
    codes: list[dict[str, Any]] = [
        {"code": "E11.22", "status": "suggested", "evidence": [{"start": 4, "end": 21}]},
        {"code": "N18.31", "status": "accepted", "evidence": [{"start": 18, "end": 21}]},
        {"code": "R05.9", "status": "rejected", "evidence": [{"start": 0, "end": 3}]},
        {"code": "X", "status": "added", "evidence": [{"start": 20, "end": 99}]},  # out of range: ignored
    ]
    segs = evidence_segments(text, codes)
    assert "".join(s["text"] for s in segs) == text
    assert [(s["text"], s["codes"]) for s in segs] == [
        ("abc ", []), ("diabetes with ", ["E11.22"]), ("ckd", ["E11.22", "N18.31"]), (" xyz", [])]


def test_serve_cli_user_add_and_token_issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from medcoder.cli import serve_cmd

    app, claim_app = typer.Typer(), typer.Typer()
    serve_cmd.register(app, claim_app)
    monkeypatch.setenv("MEDCODER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("MEDCODER_ENV", "development")
    runner = CliRunner()
    r = runner.invoke(app, ["user", "add", "ann", "--role", "coder", "--password-stdin"],
                      input="a long password\n")
    assert r.exit_code == 0, r.output
    assert "created user ann (coder)" in r.output
    r = runner.invoke(app, ["token", "issue", "ann", "--name", "ci"])
    assert r.exit_code == 0, r.output
    token = r.output.strip()
    assert token.startswith("mcw_")
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--port" in r.output
    r = runner.invoke(app, ["user", "deactivate", "ann"])
    assert r.exit_code == 0 and "deactivated user ann" in r.output, r.output
    from medcoder.workbench import AuthError, Settings, Workbench

    wb = Workbench.open(Settings.from_env())
    try:
        with pytest.raises(AuthError):
            wb.actor_for_token(token)
    finally:
        wb.close()
    r = runner.invoke(app, ["user", "deactivate", "nobody"])
    assert r.exit_code != 0
