"""The page in a real browser: Playwright (Python) driving Debian's Chromium through log in,
worklist, encounter review (accept with the keyboard, edit with a reason), claim and release.
Screenshots go to a temp folder and to $MEDCODER_SCREENSHOTS when set. Skipped with the reason
when /usr/bin/chromium or the playwright package is missing."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"
PATIENT = {"last_name": "Doe", "first_name": "John", "birth_date": "1950-03-02", "sex": "M",
           "member_id": "1EG4TE5MK73",
           "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL", "zip": "62704"}}
PASSWORD = "correct horse battery"

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, coding_kb: Any) -> Iterator[dict[str, Any]]:
    import uvicorn

    from medcoder.workbench.service import Workbench
    from medcoder.workbench.settings import Settings
    from medcoder.workbench.web import create_app

    tmp = tmp_path_factory.mktemp("wbbrowser")
    settings = Settings(env="test", secret_key="browser-test-secret-0123456789abcdef",
                        database_url=f"sqlite:///{tmp / 'wb.sqlite'}", job_threads=0)
    wb = Workbench.open(settings, kb=coding_kb)
    admin = wb.create_user(None, "admin", PASSWORD, "admin")
    from medcoder.workbench.security import Actor

    admin_actor = Actor(int(admin["id"]), "admin", "admin")
    wb.create_user(admin_actor, "coder", PASSWORD, "coder")
    wb.create_user(admin_actor, "biller", PASSWORD, "biller")
    wb.create_user(admin_actor, "auditor", PASSWORD, "auditor")
    coder = wb.authenticate("coder", PASSWORD)
    enc = wb.ingest(coder, (EXAMPLES / "office-diabetes-ckd.json").read_bytes(), filename="visit.json",
                    payer="MEDICARE", patient=PATIENT)
    other = wb.ingest(coder, (EXAMPLES / "office-heart-failure.json").read_bytes(), filename="hf.json")
    upcoded = wb.ingest(coder, (EXAMPLES / "office-diabetes-ckd.json").read_bytes(),
                        filename="upcoded.json", patient=PATIENT)
    wb.run_pending(worker_id="browser-test")
    _release_upcoded(wb, coder, wb.authenticate("biller", PASSWORD), int(upcoded["id"]))
    port = _free_port()
    config = uvicorn.Config(create_app(settings, workbench=wb), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "encounter": int(enc["id"]), "other": int(other["id"]),
           "upcoded": int(upcoded["id"]), "wb": wb, "tmp": tmp}
    srv.should_exit = True
    thread.join(10)
    wb.close()


def _release_upcoded(wb: Any, coder: Any, biller: Any, eid: int) -> None:
    """Every code accepted but the visit, raised from 99213 to 99215; coded and released."""
    for c in wb.encounter(coder, eid)["codes"]:
        if c["code"] == "99213":
            wb.decide(coder, eid, action="edit", code="99213", kind="procedure", new_code="99215",
                      reason="level raised (audit test)")
        else:
            wb.decide(coder, eid, action="accept", code=c["code"], kind=c["kind"])
    wb.complete(coder, eid)
    wb.release(biller, eid, fmt="837p")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def shots(server: dict[str, Any]) -> Any:
    folder = Path(server["tmp"]) / "screenshots"
    folder.mkdir(exist_ok=True)
    extra = os.environ.get("MEDCODER_SCREENSHOTS")

    def shot(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(extra) / path.name)
        assert path.stat().st_size > 1000
        return path

    return shot


def _login(page: Any, url: str, user: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/worklist")


def test_review_accept_edit_build_release(server: dict[str, Any], browser: Any, shots: Any) -> None:
    url, eid = server["url"], server["encounter"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/login")
    shots(page, "01-login")
    _login(page, url, "coder")
    assert page.locator(f'a[href="/encounters/{eid}"]').count() == 1
    shots(page, "02-worklist")
    page.locator(f'a[href="/encounters/{eid}"]').click()
    page.wait_for_url(f"**/encounters/{eid}")
    assert page.locator("#note mark[data-code~='E11.22']").count() >= 1
    # click a code: its evidence is highlighted and its rationale shown
    page.get_by_role("button", name="Show evidence for N18.31").click()
    assert page.locator("#note mark.active").count() >= 1
    assert "N18.31" in page.locator("#detail").inner_text()
    shots(page, "03-encounter")
    # keyboard: k to the first code, 'a' accepts it
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(page.locator("#codes li.code").count()):
        page.keyboard.press("k")
    assert page.locator("#codes li.code").first.get_attribute("class").split().count("selected") == 1
    page.keyboard.press("a")
    page.wait_for_load_state("load")
    page.locator(".flash.ok").wait_for()
    assert "accepted" in page.locator(".flash.ok").inner_text()
    assert page.locator("#codes li.code.accepted").count() == 1
    # edit the CKD stage with a reason: 'j' to it, 'e', type, Enter
    items = page.locator("#codes li.code")
    codes = [items.nth(i).get_attribute("data-code") for i in range(items.count())]
    now = codes.index(page.locator("#codes li.code.selected").get_attribute("data-code"))
    for _ in range(codes.index("N18.31") - now):
        page.keyboard.press("j")
    assert page.locator("#codes li.code.selected").get_attribute("data-code") == "N18.31"
    page.keyboard.press("e")
    li = page.locator("#codes li.code.selected")
    li.get_by_label("New code").fill("N18.32")
    li.get_by_label("Reason").fill("eGFR 38 documented: stage 3b")
    li.get_by_label("Reason").press("Enter")
    page.locator(".flash.ok").wait_for()
    assert "N18.32" in page.locator(".flash.ok").inner_text()
    assert page.locator("#codes li.code.edited[data-code='N18.32']").count() == 1
    # accept the rest with the buttons, then mark coded and build the claim
    while page.locator("#codes li.code.suggested button.accept").count():
        page.locator("#codes li.code.suggested button.accept").first.click()
        page.wait_for_load_state("load")
    page.get_by_role("button", name="Build claim").click()
    page.locator(".flash.ok").wait_for()
    assert "claim built" in page.locator(".flash.ok").inner_text()
    shots(page, "04-claim")
    page.get_by_role("button", name="Mark coded").click()
    page.locator(".flash.ok").wait_for()
    assert "coded" in page.locator(".badge").first.inner_text()
    # history shows the decisions with their reasons
    assert "stage 3b" in page.locator("ol.history").inner_text()
    ctx.close()

    # a biller releases it
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, url, "biller")
    page.goto(f"{url}/encounters/{eid}")
    page.get_by_label("Release as").select_option("837p")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Release for billing").click()
    download = dl.value
    assert download.suggested_filename == f"WB{eid}.837"
    assert Path(download.path()).read_text().startswith("ISA*")
    page.goto(f"{url}/encounters/{eid}")
    assert "released" in page.locator(".badge").first.inner_text()
    shots(page, "05-released")
    ctx.close()
    assert errors == [], errors


def test_labels_focus_order_and_help(server: dict[str, Any], browser: Any, shots: Any) -> None:
    url, eid = server["url"], server["other"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(f"{url}/login")
    # focus order on the login page: the username has focus, Tab goes to the password and the
    # button; back from the username are the home link and the skip link
    focused = "document.activeElement.id || document.activeElement.textContent.trim()"
    order = [page.evaluate(focused)]
    for key in ("Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"):
        page.keyboard.press(key)
        order.append(page.evaluate(focused))
    assert order == ["username", "password", "Log in", "password", "username", "medcoder workbench",
                     "Skip to content"], order
    _login(page, url, "coder")
    for path in ("/worklist", f"/encounters/{eid}"):
        page.goto(url + path)
        unlabeled = page.evaluate("""() => Array.from(document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')).filter(el => {
              const id = el.id; if (el.getAttribute('aria-label')) return false;
              return !(id && document.querySelector('label[for="' + id + '"]'));
            }).map(el => el.name)""")
        assert unlabeled == [], (path, unlabeled)
        # every control is reachable: no positive tabindex reorders the page
        assert page.evaluate("document.querySelectorAll('[tabindex]:not([tabindex=\"0\"]):not([tabindex=\"-1\"])').length") == 0
    page.keyboard.press("?")
    assert page.locator("dialog#help").is_visible()
    shots(page, "06-help")
    page.keyboard.press("Escape")
    assert not page.locator("dialog#help").is_visible()
    # '/' focuses the lookup; a search lists codes to add
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "lookup-q"
    page.keyboard.type("type 2 diabetes mellitus")
    page.keyboard.press("Enter")
    page.locator("#lookup-results li button").first.wait_for()
    page.locator("#lookup-results li button").first.click()
    assert page.get_by_label("Code", exact=True).input_value() != ""
    # fits 1280×800: no horizontal scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    ctx.close()


def test_auditor_opens_the_audit(server: dict[str, Any], browser: Any, shots: Any) -> None:
    url, eid = server["url"], server["upcoded"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, url, "auditor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    page.wait_for_url("**/audit")
    group = page.locator(f"section[data-encounter='{eid}']")
    assert "em-level" in group.inner_text() and "99215 billed" in group.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shots(page, "07-audit")
    group.get_by_role("link", name=f"Encounter {eid}").click()
    page.wait_for_url(f"**/encounters/{eid}?audit=1#audit")
    assert page.locator("#note mark.audit").count() >= 1
    page.get_by_role("button", name="Show the note evidence of finding 1").click()
    assert page.locator("#note mark.audit.active").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shots(page, "08-audit-panel")
    ctx.close()
    assert errors == [], errors


def test_csrf_refused_from_the_browser_without_token(server: dict[str, Any], browser: Any) -> None:
    url, eid = server["url"], server["encounter"]
    ctx = browser.new_context()
    page = ctx.new_page()
    _login(page, url, "coder")
    status = page.evaluate("""async (eid) => (await fetch('/api/v1/encounters/' + eid + '/queries', {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({question: 'Which stage?'})})).status""", eid)
    assert status == 403
    ctx.close()


def test_static_assets_load(server: dict[str, Any]) -> None:
    import httpx

    for name in ("app.js", "app.css"):
        r = httpx.get(f"{server['url']}/static/{name}")
        assert r.status_code == 200 and len(r.text) > 500
    assert json.loads(httpx.get(f"{server['url']}/healthz").text)["status"] == "ok"
