"""The page: server-rendered HTML (Jinja2) over the same ``Workbench`` calls as the API.

    GET  /login  POST /login  POST /logout
    GET  /worklist                              filters: status, setting, payer, confidence, q
    POST /upload  POST /remits                  ingest a document / an 835
    GET  /encounters/{id}                       note with evidence marks, codes, claim, history
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
from medcoder.workbench.errors import AuthError, Forbidden
from medcoder.workbench.security import Actor, allowed
from medcoder.workbench.web.auth import check_csrf, new_csrf, page_actor, session_of

__all__ = ["error_response", "evidence_segments", "router"]

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


@router.post("/upload")
async def upload(request: Request) -> Response:
    actor = await _need_async(request)
    if isinstance(actor, Response):
        return actor
    form = await _form(request)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _back(request, "/worklist", flash=("error", "choose a file to upload"))
    data = await upload.read()
    try:
        from starlette.concurrency import run_in_threadpool

        out = await run_in_threadpool(lambda: _wb(request).ingest(
            actor, data, filename=upload.filename or None, fmt=str(form.get("fmt") or "") or None,
            setting=str(form.get("setting") or "") or None, payer=str(form.get("payer") or "") or None,
            date_of_service=str(form.get("date_of_service") or "") or None,
            patient=_patient_form(form)))
    except MedcoderError as exc:
        return _back(request, "/worklist", flash=("error", f"[{exc.code}] {exc}"))
    ids = [str(e["id"]) for e in out.get("encounters") or [out]]
    return _back(request, "/worklist", flash=("ok", f"uploaded: encounter {', '.join(ids)} queued for coding"))


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
    actor = await _need_async(request)
    if isinstance(actor, Response):
        return actor
    form = await _form(request)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _back(request, "/worklist", flash=("error", "choose an 835 file to upload"))
    data = await upload.read()
    try:
        from starlette.concurrency import run_in_threadpool

        out = await run_in_threadpool(_wb(request).upload_remit, actor, data,
                                      filename=upload.filename or None)
    except MedcoderError as exc:
        return _back(request, "/worklist", flash=("error", f"[{exc.code}] {exc}"))
    matched = out.get("matched")
    n = len(matched) if isinstance(matched, list) else matched
    msg = f"remittance posted: {n if n is not None else '?'} claim(s) matched"
    already = out.get("already_posted") or []
    if already:
        msg += "; already posted before, not posted again: " + ", ".join(
            f"trace {a['trace_number']}" for a in already)
    return _back(request, "/worklist", flash=("ok", msg))


# the encounter --------------------------------------------------------------------------------
def evidence_segments(text: str, codes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The note cut at every evidence boundary: [{"text", "codes": [code, ...]}]; a segment with
    codes is shown as ``<mark data-code="...">`` (the template escapes the text)."""
    spans: list[tuple[int, int, str]] = []
    n = len(text)
    for c in codes:
        if c.get("status") == "rejected":
            continue
        for e in c.get("evidence") or []:
            try:
                s, t = int(e["start"]), int(e["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if 0 <= s < t <= n:
                spans.append((s, t, str(c["code"])))
    cuts = sorted({0, n, *(s for s, _, _ in spans), *(t for _, t, _ in spans)})
    out: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(cuts):
        covering = sorted({code for s, t, code in spans if s <= a and b <= t})
        if out and out[-1]["codes"] == covering:
            out[-1]["text"] += text[a:b]
        else:
            out.append({"text": text[a:b], "codes": covering})
    return out


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
def encounter_page(request: Request, encounter_id: int) -> Response:
    actor = _need(request)
    if isinstance(actor, Response):
        return actor
    wb = _wb(request)
    enc = wb.encounter(actor, encounter_id)
    try:  # the service decides; a role without "history" sees the page without it
        history = wb.history(actor, encounter_id)
    except Forbidden:
        history = []
    rows = _code_rows(enc)
    return _render(request, "encounter.html", {
        "enc": enc, "rows": rows, "segments": evidence_segments(str(enc.get("text") or ""), rows),
        "history": history, "claim": enc.get("claim"),
    })


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
