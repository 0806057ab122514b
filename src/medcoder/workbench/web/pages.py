"""The page: server-rendered HTML (Jinja2) over the same ``Workbench`` calls as the API.

    GET  /login  POST /login  POST /logout
    GET  /worklist                              filters: status, setting, payer, confidence, q
    POST /upload  POST /remits                  ingest a document / an 835
    GET  /encounters/{id}[?audit=1]             note with evidence marks, codes, claim, history
                                                (audit=1: the audit panel, its evidence marked)
    GET  /audit[?encounter_id=&status=]         audit findings grouped by encounter
    POST /encounters/{id}/decide | complete | claim | release | query

Forms carry the session's CSRF token (``csrf_token``); the page's scripts call the JSON API with
the ``X-CSRF-Token`` header. A form whose action fails (a bad code, a stale version, a role that
may not) comes back to the page with the error's message shown, never with note text.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from medcoder.errors import InputError, MedcoderError
from medcoder.workbench.auditing import AUDIT_STATUSES
from medcoder.workbench.errors import AuthError, Conflict, Forbidden
from medcoder.workbench.security import Actor, allowed
from medcoder.workbench.web.auth import check_csrf, new_csrf, page_actor, session_of

__all__ = ["audit_segments", "error_response", "evidence_segments", "router"]

router = APIRouter(include_in_schema=False)
SETTINGS = ("outpatient", "emergency", "inpatient", "ambulance")
STATUSES = ("queued", "coding", "ready", "in_review", "coded", "released", "error")


@functools.cache
def _templates() -> Any:
    from fastapi.templating import Jinja2Templates

    from medcoder.workbench.web.app import HERE

    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, default=str)
    return t


def _is_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/fhir/", "/static/", "/healthz")):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(request: Request, problem_resp: Response, exc: MedcoderError | None) -> Response:
    """The API's problem+json, or for a browser on the page: the login page (401) or an error page."""
    if not _is_page(request):
        return problem_resp
    if isinstance(exc, AuthError):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    body = json.loads(bytes(problem_resp.body))
    session = session_of(request)
    return _render(request, "error.html", {"problem": body}, session=session,
                   status_code=problem_resp.status_code)


def _session(request: Request) -> dict[str, Any]:
    session = session_of(request)
    if not session.get("csrf"):
        session["csrf"] = new_csrf()
    return session


def _render(request: Request, name: str, ctx: dict[str, Any], *, session: dict[str, Any] | None = None,
            status_code: int = 200) -> Response:
    session = dict(session if session is not None else _session(request))
    if not session.get("csrf"):
        session["csrf"] = new_csrf()
    flashes = session.pop("flash", [])
    actor = page_actor(request)
    context = {
        "request": request,
        "actor": actor,
        "csrf": session["csrf"],
        "flashes": flashes,
        "can": (lambda action: actor is not None and allowed(actor.role, action)),
        **ctx,
    }
    resp = _templates().TemplateResponse(request, name, context, status_code=status_code)
    resp.headers["Cache-Control"] = "no-store"
    request.app.state.sessions.set(resp, session)
    return resp


def _back(request: Request, url: str, *, flash: tuple[str, str] | None = None,
          session: dict[str, Any] | None = None) -> Response:
    session = dict(session if session is not None else _session(request))
    if flash:
        session["flash"] = [*session.get("flash", []), list(flash)][-5:]
    resp = RedirectResponse(url, status_code=303)
    request.app.state.sessions.set(resp, session)
    return resp


def _need(request: Request) -> Actor | Response:
    actor = page_actor(request)
    if actor is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return actor


async def _need_async(request: Request) -> Actor | Response:
    """``_need`` for async routes: the user row is read off the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_need, request)


async def _form(request: Request) -> dict[str, Any]:
    """The posted form after its CSRF token is checked against the session."""
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, session_of(request), token if isinstance(token, str) else "")
    return {k: v for k, v in form.items()}


def _wb(request: Request) -> Any:
    return request.app.state.workbench


def _safe_next(url: str | None) -> str:
    return url if url and url.startswith("/") and not url.startswith("//") else "/worklist"


# login -----------------------------------------------------------------------------------------
@router.get("/")
def index(request: Request) -> Response:
    return RedirectResponse("/worklist" if page_actor(request) else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    nxt = _safe_next(str(form.get("next") or ""))
    try:
        from starlette.concurrency import run_in_threadpool

        actor = await run_in_threadpool(_wb(request).authenticate, username, password)
    except AuthError:
        return _render(request, "login.html", {"next": nxt, "error": "wrong username or password",
                                               "username": username}, status_code=401)
    # a fresh session (and CSRF token) at login: no fixation
    session = {"uid": actor.user_id, "u": actor.username, "r": actor.role, "csrf": new_csrf()}
    return _back(request, nxt, session=session)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _form(request)
    resp = RedirectResponse("/login", status_code=303)
    request.app.state.sessions.clear(resp)
    return resp


# worklist -------------------------------------------------------------------------------------
def _float(v: str | None) -> float | None:
    if v is None or v.strip() == "":
        return None
    try:
        return float(v)
    except ValueError:
        raise InputError(f"confidence must be a number between 0 and 1, got {v[:20]!r}",
                         where="query.confidence") from None


@router.get("/worklist")
def worklist(request: Request, status: str | None = None, setting: str | None = None,
             payer: str | None = None, min_confidence: str | None = None,
             max_confidence: str | None = None, q: str | None = None, page: int = 1) -> Response:
    actor = _need(request)
    if isinstance(actor, Response):
        return actor
    filters = {"status": status or None, "setting": setting or None, "payer": payer or None,
               "min_confidence": _float(min_confidence), "max_confidence": _float(max_confidence),
               "q": q or None}
    per_page = 50
    page = max(1, page)
    data = _wb(request).worklist(actor, **filters, limit=per_page, offset=(page - 1) * per_page)
    return _render(request, "worklist.html", {
        "data": data, "filters": filters, "statuses": STATUSES, "settings": SETTINGS,
        "page": page, "pages": max(1, -(-int(data["total"]) // per_page)),
        "raw": {"min_confidence": min_confidence or "", "max_confidence": max_confidence or ""},
        "page_url": lambda n: "?" + urlencode({**{k: v for k, v in request.query_params.items()
                                                  if v and k != "page"}, "page": n}),
    })


async def _upload(request: Request, missing: str, call: Any, done: Any) -> Response:
    """The worklist's upload forms: the actor, the CSRF-checked form and its ``file``; then
    ``call(wb, actor, data, filename, form)`` off the event loop, and back to the worklist with
    ``done(out)`` (or the error's message) flashed."""
    actor = await _need_async(request)
    if isinstance(actor, Response):
        return actor
    form = await _form(request)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _back(request, "/worklist", flash=("error", missing))
    data = await upload.read()
    try:
        from starlette.concurrency import run_in_threadpool

        out = await run_in_threadpool(call, _wb(request), actor, data, upload.filename or None, form)
    except MedcoderError as exc:
        return _back(request, "/worklist", flash=("error", f"[{exc.code}] {exc}"))
    return _back(request, "/worklist", flash=("ok", done(out)))


@router.post("/upload")
async def upload(request: Request) -> Response:
    def call(wb: Any, actor: Actor, data: bytes, filename: str | None, form: dict[str, Any]) -> Any:
        return wb.ingest(actor, data, filename=filename, fmt=str(form.get("fmt") or "") or None,
                         setting=str(form.get("setting") or "") or None,
                         payer=str(form.get("payer") or "") or None,
                         date_of_service=str(form.get("date_of_service") or "") or None,
                         patient=_patient_form(form))

    def done(out: dict[str, Any]) -> str:
        ids = [str(e["id"]) for e in out.get("encounters") or [out]]
        return f"uploaded: encounter {', '.join(ids)} queued for coding"

    return await _upload(request, "choose a file to upload", call, done)


def _patient_form(form: dict[str, Any]) -> dict[str, Any] | None:
    """The claim's patient from the upload form's p_* fields (None when none is filled)."""
    pat = {k: str(form.get(f"p_{k}") or "").strip() for k in
           ("last_name", "first_name", "birth_date", "sex", "member_id")}
    addr = {k: str(form.get(f"p_{k}") or "").strip() for k in ("line1", "city", "state", "zip")}
    out: dict[str, Any] = {k: v for k, v in pat.items() if v}
    if any(addr.values()):
        out["address"] = {k: v for k, v in addr.items() if v}
    return out or None


@router.post("/remits")
async def remits(request: Request) -> Response:
    def call(wb: Any, actor: Actor, data: bytes, filename: str | None, form: dict[str, Any]) -> Any:
        return wb.upload_remit(actor, data, filename=filename)

    def done(out: dict[str, Any]) -> str:
        matched = out.get("matched")
        n = len(matched) if isinstance(matched, list) else matched
        msg = f"remittance posted: {n if n is not None else '?'} claim(s) matched"
        already = out.get("already_posted") or []
        if already:
            msg += "; already posted before, not posted again: " + ", ".join(
                f"trace {a['trace_number']}" for a in already)
        return msg

    return await _upload(request, "choose an 835 file to upload", call, done)


# the encounter --------------------------------------------------------------------------------
def _cut(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, list[str]]]:
    """The note cut at every span boundary: [(text, the labels of the spans covering it)]."""
    n = len(text)
    spans = [(s, t, label) for s, t, label in spans if 0 <= s < t <= n]
    cuts = sorted({0, n, *(s for s, _, _ in spans), *(t for _, t, _ in spans)})
    out: list[tuple[str, list[str]]] = []
    for a, b in itertools.pairwise(cuts):
        covering = sorted({label for s, t, label in spans if s <= a and b <= t})
        if out and out[-1][1] == covering:
            out[-1] = (out[-1][0] + text[a:b], covering)
        else:
            out.append((text[a:b], covering))
    return out


def _spans(items: list[dict[str, Any]], label: Any) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for item in items:
        for e in item.get("evidence") or []:
            try:
                out.append((int(e["start"]), int(e["end"]), str(label(item))))
            except (KeyError, TypeError, ValueError):
                continue
    return out


def evidence_segments(text: str, codes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The note cut at every evidence boundary: [{"text", "codes": [code, ...]}]; a segment with
    codes is shown as ``<mark data-code="...">`` (the template escapes the text)."""
    live = [c for c in codes if c.get("status") != "rejected"]
    return [{"text": t, "codes": labels} for t, labels in _cut(text, _spans(live, lambda c: c["code"]))]


def audit_segments(text: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The note cut at the audit findings' evidence spans: [{"text", "findings": [id, ...]}]
    (ids ``F1``, ``F2``, ... in the order of ``findings``), shown as
    ``<mark class="audit" data-finding="...">``."""
    labelled = [{**f, "id": f"F{i}"} for i, f in enumerate(findings, 1)]
    return [{"text": t, "findings": labels}
            for t, labels in _cut(text, _spans(labelled, lambda f: f["id"]))]


def _code_rows(enc: dict[str, Any]) -> list[dict[str, Any]]:
    sugg: dict[tuple[str, str], dict[str, Any]] = {}
    for key, kind in (("diagnoses", "diagnosis"), ("procedures", "procedure")):
        for s in (enc.get("suggestions") or {}).get(key) or []:
            sugg[(kind, str(s.get("code")))] = s
    rows = []
    for c in enc.get("codes") or []:
        s = sugg.get((c["kind"], str(c.get("original_code") or c["code"]))) or {}
        rows.append({**c, "rationale": s.get("rationale") or [], "context": s.get("context") or {},
                     "suggested_code": s.get("code")})
    rows.sort(key=lambda r: (r["kind"] != "diagnosis", r["status"] == "rejected",
                             r.get("sequence") or 10_000))
    return rows


@router.get("/encounters/{encounter_id}")
def encounter_page(request: Request, encounter_id: int, audit: int = 0) -> Response:
    actor = _need(request)
    if isinstance(actor, Response):
        return actor
    wb = _wb(request)
    audited = None
    if audit:  # first, so that the page shows the version after its "audited" event
        try:  # the service decides: a role without "audit", or an encounter not yet coded
            audited = wb.audit(actor, encounter_id=encounter_id)
        except (Forbidden, Conflict):
            audited = None
    enc = wb.encounter(actor, encounter_id)
    try:  # the service decides; a role without "history" sees the page without it
        history = wb.history(actor, encounter_id)
    except Forbidden:
        history = []
    rows = _code_rows(enc)
    text = str(enc.get("text") or "")
    return _render(request, "encounter.html", {
        "enc": enc, "rows": rows, "history": history, "claim": enc.get("claim"),
        "segments": evidence_segments(text, rows),
        "audit": audited, "auditable": enc.get("status") in AUDIT_STATUSES,
        "audit_segments": audit_segments(text, audited["findings"]) if audited else None,
    })


# the audit ------------------------------------------------------------------------------------
@router.get("/audit")
def audit_page(request: Request, encounter_id: int | None = None, status: str = "released") -> Response:
    actor = _need(request)
    if isinstance(actor, Response):
        return actor
    out = _wb(request).audit(actor, encounter_id=encounter_id, status=status)
    groups: dict[int, list[dict[str, Any]]] = {}
    for f in out["findings"]:
        groups.setdefault(int(f["encounter_id"]), []).append(f)
    return _render(request, "audit.html", {"data": out, "groups": groups, "status": status,
                                           "statuses": AUDIT_STATUSES})


async def _encounter_action(request: Request, encounter_id: int, fn: Any) -> Response:
    actor = await _need_async(request)
    if isinstance(actor, Response):
        return actor
    form = await _form(request)
    back = f"/encounters/{encounter_id}"
    try:
        from starlette.concurrency import run_in_threadpool

        msg = await run_in_threadpool(fn, _wb(request), actor, form)
    except MedcoderError as exc:
        if isinstance(exc, AuthError):
            raise
        return _back(request, back, flash=("error", f"[{exc.code}] {exc}"))
    if isinstance(msg, Response):
        return msg
    anchor = str(form.get("anchor") or "")
    anchor = f"#{anchor}" if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,40}", anchor) else ""
    return _back(request, back + anchor, flash=("ok", msg) if msg else None)


def _int(v: Any) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        raise InputError("expected a whole number", where="form") from None


@router.post("/encounters/{encounter_id}/decide")
async def decide(request: Request, encounter_id: int) -> Response:
    def go(wb: Any, actor: Actor, f: dict[str, Any]) -> str:
        action = str(f.get("action") or "")
        code = str(f.get("code") or "").strip().upper()
        new_code = str(f.get("new_code") or "").strip().upper() or None
        if action == "edit" and not new_code:
            raise InputError("type the new code to edit to", where="form.new_code")
        wb.decide(actor, encounter_id, action=action, code=code,
                  kind=str(f.get("kind") or "diagnosis"), new_code=new_code,
                  reason=str(f.get("reason") or "").strip() or None,
                  units=_int(f.get("units")), version=_int(f.get("version")))
        done = {"accept": "accepted", "reject": "rejected", "edit": "edited", "add": "added"}
        return f"{code}{' → ' + new_code if new_code and action == 'edit' else ''} {done.get(action, action)}"

    return await _encounter_action(request, encounter_id, go)


@router.post("/encounters/{encounter_id}/complete")
async def complete(request: Request, encounter_id: int) -> Response:
    def go(wb: Any, actor: Actor, f: dict[str, Any]) -> str:
        wb.complete(actor, encounter_id, version=_int(f.get("version")))
        return "encounter marked coded"

    return await _encounter_action(request, encounter_id, go)


@router.post("/encounters/{encounter_id}/claim")
async def claim(request: Request, encounter_id: int) -> Response:
    def go(wb: Any, actor: Actor, f: dict[str, Any]) -> str:
        out = wb.build_claim(actor, encounter_id)
        n = len(out.get("edits") or [])
        return f"claim built: {n} edit finding(s)"

    return await _encounter_action(request, encounter_id, go)


@router.post("/encounters/{encounter_id}/release")
async def release(request: Request, encounter_id: int) -> Response:
    from medcoder.workbench.web.api import file_response

    def go(wb: Any, actor: Actor, f: dict[str, Any]) -> Response:
        out = wb.release(actor, encounter_id, fmt=str(f.get("fmt") or "837p"))
        return file_response(out)

    return await _encounter_action(request, encounter_id, go)


@router.post("/encounters/{encounter_id}/query")
async def query(request: Request, encounter_id: int) -> Response:
    def go(wb: Any, actor: Actor, f: dict[str, Any]) -> str:
        question = str(f.get("question") or "").strip()
        if not question:
            raise InputError("write the question for the physician", where="form.question")
        wb.query_physician(actor, encounter_id, question=question,
                           to=str(f.get("to") or "").strip() or None)
        return "query recorded"

    return await _encounter_action(request, encounter_id, go)
