"""The JSON API under ``/api/v1`` (and the FHIR ``$submit`` endpoints): thin routes over
``Workbench``. Each route finds the actor (``api_actor``) and calls one service method, which
authorizes it; errors become problem+json (``problems.py``).

Operation ids are stable (clients are generated from them): ingestDocument, fhirSubmit,
fhirBundleSubmit, codeNote, listWorklist, getEncounter, decideCode, sequenceCodes,
completeEncounter, queryPhysician, answerQuery, buildClaim, releaseClaim, uploadRemit, listRemits,
getHistory, getAccessLog, auditEncounters, getJob, lookupCodes, learnExamples, whoAmI, listUsers, createUser,
updateUser, issueToken, listTokens, revokeToken.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from medcoder.errors import InputError
from medcoder.workbench.security import Actor
from medcoder.workbench.service import MAX_ID
from medcoder.workbench.web.auth import api_actor

__all__ = ["fhir_router", "router"]

router = APIRouter(prefix="/api/v1")
fhir_router = APIRouter()
ActorDep = Annotated[Actor, Depends(api_actor)]
#: row ids are 1..MAX_ID (32-bit); another value is refused with 422 before any lookup
EncounterId = Annotated[int, Path(ge=1, le=MAX_ID, description="An encounter id.")]
QueryId = Annotated[int, Path(ge=1, le=MAX_ID, description="A query's id on the encounter.")]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="A coding job's id.")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="A user's id.")]
TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="A token's id.")]

_PROBLEM = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"description": d, **_PROBLEM}
    for s, d in ((400, "the request could not be read (a body that is not UTF-8 JSON, a broken "
                       "multipart form, a bad Content-Length)"),
                 (401, "not authenticated"), (403, "role may not do this / CSRF"),
                 (404, "unknown id"), (409, "stale version or wrong status"),
                 (413, "body too large"), (422, "bad payload"), (429, "rate limited"))
}
_DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The document as the raw body (text/plain, application/json, "
                       "application/fhir+json, x-application/hl7-v2+er7) or a multipart form "
                       "with a `file` field.",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
            "application/fhir+json": {"schema": {"type": "object"}},
            "x-application/hl7-v2+er7": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"},
                "patient": {"type": "string", "description": "JSON: {last_name, first_name, "
                            "birth_date, sex, member_id, address} for the claim"}},
                "required": ["file"]}},
        },
    }
}


def _wb(request: Request) -> Any:
    return request.app.state.workbench


async def _document(request: Request) -> tuple[bytes, str | None, dict[str, Any] | None]:
    """The uploaded document: a multipart ``file`` field (and an optional ``patient`` field, a
    JSON object), else the raw body."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputError("the multipart form needs a 'file' field with the document",
                             where="body.file")
        data = await upload.read()
        return data, upload.filename or None, _patient_field(form.get("patient"))
    data = await request.body()
    if not data:
        raise InputError("the request body is empty; send the document", where="body")
    return data, None, None


def _patient_field(raw: Any) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise InputError("the 'patient' field is a JSON object, not a file", where="body.patient")
    try:
        value = json.loads(raw)
    except ValueError:
        raise InputError("the 'patient' field is not valid JSON; expected {last_name, first_name, "
                         "birth_date, sex, member_id, address}", where="body.patient") from None
    if not isinstance(value, dict):
        raise InputError("the 'patient' field must be a JSON object", where="body.patient")
    return value


# ingest --------------------------------------------------------------------------------------
FmtQ = Annotated[Literal["text", "encounter-json", "fhir", "hl7"] | None,
                 Query(description="The document's format (default: detected).")]


@router.post("/documents", operation_id="ingestDocument", status_code=201, tags=["ingest"],
             responses=ERRORS, openapi_extra=_DOCUMENT_BODY)
async def ingest_document(
    request: Request,
    actor: ActorDep,
    fmt: FmtQ = None,
    setting: Annotated[str | None, Query(description="outpatient | emergency | inpatient | ambulance")] = None,
    payer: Annotated[str | None, Query(max_length=100)] = None,
    date_of_service: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Upload a note, encounter JSON, FHIR Bundle or HL7 v2 message; it is stored as a queued
    encounter and coded in the background."""
    data, name, patient = await _document(request)
    from starlette.concurrency import run_in_threadpool

    return dict(await run_in_threadpool(
        lambda: _wb(request).ingest(actor, data, filename=filename or name, fmt=fmt, setting=setting,
                                    payer=payer, date_of_service=date_of_service, patient=patient)))


async def _fhir_submit(request: Request, actor: Actor) -> dict[str, Any]:
    data = await request.body()
    if not data:
        raise InputError("the request body is empty; send a FHIR R4 Bundle", where="body")
    from starlette.concurrency import run_in_threadpool

    return dict(await run_in_threadpool(
        lambda: _wb(request).ingest(actor, data, filename="bundle.json", fmt="fhir")))


_FHIR_BODY = {"requestBody": {"required": True, "content": {
    "application/fhir+json": {"schema": {"type": "object"}},
    "application/json": {"schema": {"type": "object"}}}}}


@fhir_router.post("/fhir/$submit", operation_id="fhirSubmit", status_code=201, tags=["ingest"],
                  responses=ERRORS, openapi_extra=_FHIR_BODY)
async def fhir_submit(request: Request, actor: ActorDep) -> dict[str, Any]:
    """Submit a FHIR R4 Bundle (a `$submit`-style operation); one encounter per FHIR Encounter."""
    return await _fhir_submit(request, actor)


@router.post("/fhir/Bundle/$submit", operation_id="fhirBundleSubmit", status_code=201,
             tags=["ingest"], responses=ERRORS, openapi_extra=_FHIR_BODY)
async def fhir_bundle_submit(request: Request, actor: ActorDep) -> dict[str, Any]:
    """The same as ``POST /fhir/$submit`` under the API prefix."""
    return await _fhir_submit(request, actor)


# synchronous coding ----------------------------------------------------------------------------
class CodeNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, description="The note text.")
    setting: Literal["outpatient", "emergency", "inpatient", "ambulance"] = "outpatient"
    date_of_service: str | None = Field(None, description="YYYY-MM-DD (default today)")
    age: int | None = Field(None, ge=0, le=130)
    sex: Literal["M", "F", "U"] = "U"
    mode: Literal["billing", "mentions"] = "billing"


@router.post("/code", operation_id="codeNote", tags=["coding"],
             responses={**ERRORS, 200: {"description": "the CodingResult JSON (docs/formats.md)",
                                        "content": {"application/json": {"schema": {"type": "object"}}}}})
def code_note(request: Request, body: CodeNoteIn, actor: ActorDep) -> Response:
    """Code one note now and return the CodingResult JSON (``docs/formats.md``); nothing is stored."""
    out = _wb(request).code_note(actor, body.text, setting=body.setting,
                                 date_of_service=body.date_of_service, age=body.age, sex=body.sex,
                                 mode=body.mode)
    return json_response(out)


def json_response(out: Any, status_code: int = 200) -> Response:
    """``out`` (plain JSON types already) serialised once, without FastAPI's jsonable_encoder
    walk over every nested value."""
    return Response(json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                    status_code=status_code, media_type="application/json")


# worklist and encounters -----------------------------------------------------------------------
@router.get("/worklist", operation_id="listWorklist", tags=["review"], responses=ERRORS)
def list_worklist(
    request: Request,
    actor: ActorDep,
    status: Annotated[str | None, Query()] = None,
    setting: Annotated[str | None, Query()] = None,
    payer: Annotated[str | None, Query(max_length=100)] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    """Encounters to review, newest first, filtered by status, setting, payer and confidence."""
    return dict(_wb(request).worklist(actor, status=status, setting=setting, payer=payer,
                                      min_confidence=min_confidence, max_confidence=max_confidence,
                                      q=q, limit=limit, offset=offset))


@router.get("/encounters/{encounter_id}", operation_id="getEncounter", tags=["review"],
            responses=ERRORS)
def get_encounter(request: Request, encounter_id: EncounterId, actor: ActorDep) -> dict[str, Any]:
    """The encounter: note text, suggestions with evidence, current codes, queries, claim."""
    return dict(_wb(request).encounter(actor, encounter_id))


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["accept", "reject", "edit", "add"]
    code: str = Field(min_length=1, max_length=20)
    kind: Literal["diagnosis", "procedure"] = "diagnosis"
    new_code: str | None = Field(None, max_length=20)
    reason: str | None = Field(None, max_length=2000)
    units: int | None = Field(None, ge=1, le=9999)
    modifiers: list[str] | None = Field(None, max_length=4)
    version: int | None = None


@router.post("/encounters/{encounter_id}/decisions", operation_id="decideCode", tags=["review"],
             responses=ERRORS)
def decide_code(request: Request, encounter_id: EncounterId, body: DecisionIn, actor: ActorDep) -> dict[str, Any]:
    """Accept, reject, edit or add a code (reject and edit need a reason); returns the encounter."""
    return dict(_wb(request).decide(actor, encounter_id, **body.model_dump()))


class SequenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[str] = Field(min_length=1, max_length=100)
    version: int | None = None


@router.put("/encounters/{encounter_id}/sequence", operation_id="sequenceCodes", tags=["review"],
            responses=ERRORS)
def sequence_codes(request: Request, encounter_id: EncounterId, body: SequenceIn, actor: ActorDep) -> dict[str, Any]:
    """Order the diagnosis codes (first = first-listed / principal)."""
    return dict(_wb(request).sequence(actor, encounter_id, body.codes, version=body.version))


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None


@router.post("/encounters/{encounter_id}/complete", operation_id="completeEncounter",
             tags=["review"], responses=ERRORS)
def complete_encounter(request: Request, encounter_id: EncounterId, actor: ActorDep,
                       body: VersionIn | None = None) -> dict[str, Any]:
    """Mark the encounter coded (needs an accepted or added diagnosis)."""
    return dict(_wb(request).complete(actor, encounter_id, version=body.version if body else None))


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=4000)
    to: str | None = Field(None, max_length=200)


@router.post("/encounters/{encounter_id}/queries", operation_id="queryPhysician", status_code=201,
             tags=["review"], responses=ERRORS)
def query_physician(request: Request, encounter_id: EncounterId, body: QueryIn, actor: ActorDep) -> dict[str, Any]:
    """Record a physician query about the encounter."""
    return dict(_wb(request).query_physician(actor, encounter_id, question=body.question, to=body.to))


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=4000)


@router.post("/encounters/{encounter_id}/queries/{query_id}/answer", operation_id="answerQuery",
             tags=["review"], responses=ERRORS)
def answer_query(request: Request, encounter_id: EncounterId, query_id: QueryId, body: AnswerIn,
                 actor: ActorDep) -> dict[str, Any]:
    """Record the physician's answer to a query."""
    return dict(_wb(request).answer_query(actor, encounter_id, query_id, body.answer))


# claims and remits ---------------------------------------------------------------------------
@router.post("/encounters/{encounter_id}/claim", operation_id="buildClaim", tags=["billing"],
             responses=ERRORS)
def build_claim(request: Request, encounter_id: EncounterId, actor: ActorDep) -> dict[str, Any]:
    """Build the claim from the current codes, scrub it and price it: {claim, edits, payment}."""
    return dict(_wb(request).build_claim(actor, encounter_id))


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fmt: Literal["837p", "837i", "fhir"] = "837p"


@router.post("/encounters/{encounter_id}/release", operation_id="releaseClaim", tags=["billing"],
             responses={**ERRORS, 200: {"description": "the released claim: JSON "
                        "{filename, media_type, content}, or the file itself with ?download=true"}})
def release_claim(
    request: Request,
    encounter_id: EncounterId,
    actor: ActorDep,
    body: ReleaseIn | None = None,
    download: Annotated[bool, Query(description="Return the file itself.")] = False,
) -> Any:
    """Release the coded encounter for billing as an X12 837 file or a FHIR Claim."""
    out = _wb(request).release(actor, encounter_id, fmt=body.fmt if body else "837p")
    if download:
        return file_response(out)
    return dict(out)


def file_response(out: dict[str, Any]) -> Response:
    content = out["content"]
    name = "".join(c for c in str(out.get("filename") or "claim") if c.isalnum() or c in "._-")
    return Response(content.encode("utf-8") if isinstance(content, str) else content,
                    media_type=str(out.get("media_type") or "application/octet-stream"),
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/remits", operation_id="uploadRemit", status_code=201, tags=["billing"],
             responses=ERRORS, openapi_extra={"requestBody": {"required": True, "content": {
                 "text/plain": {"schema": {"type": "string"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}})
async def upload_remit(request: Request, actor: ActorDep) -> dict[str, Any]:
    """Upload an X12 835 remittance; its payments are matched against released claims, priced
    (expected vs paid) and posted once: the same file or payment trace again is 409."""
    data, name, _ = await _document(request)
    from starlette.concurrency import run_in_threadpool

    return dict(await run_in_threadpool(
        lambda: _wb(request).upload_remit(actor, data, filename=name or "remit.835")))


@router.get("/remits", operation_id="listRemits", tags=["billing"], responses=ERRORS)
def list_remits(
    request: Request, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The 835 payments posted, newest first (trace number, payer, amount, who, when)."""
    return list(_wb(request).remits(actor, limit=limit))


# history, audit, lookup ------------------------------------------------------------------------
@router.get("/encounters/{encounter_id}/history", operation_id="getHistory", tags=["audit"],
            responses=ERRORS)
def get_history(request: Request, encounter_id: EncounterId, actor: ActorDep) -> list[dict[str, Any]]:
    """The encounter's append-only events: who did what, when, and why."""
    return list(_wb(request).history(actor, encounter_id))


@router.get("/access-log", operation_id="getAccessLog", tags=["audit"], responses=ERRORS)
def get_access_log(
    request: Request,
    actor: ActorDep,
    encounter_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Who viewed which encounter, when (newest first)."""
    return list(_wb(request).access_log(actor, encounter_id=encounter_id, limit=limit))


@router.get("/audit", operation_id="auditEncounters", tags=["audit"], responses=ERRORS)
def audit_encounters(
    request: Request,
    actor: ActorDep,
    encounter_id: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                              description="Audit this encounter only.")] = None,
    status: Annotated[Literal["released", "coded"], Query()] = "released",
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    recode: Annotated[bool, Query(description="Code every note again instead of reusing the "
                                              "stored coding result when it is current.")] = False,
) -> Response:
    """Re-review released claims against their notes (the checks of `medcoder audit run`):
    {reviewed, findings: [{encounter_id, line, check, severity, message, reference, evidence,
    amount}], encounters, totals}. Auditors and admins; the findings' notes are access logged."""
    return json_response(_wb(request).audit(actor, encounter_id=encounter_id, status=status,
                                            limit=limit, recode=recode))


@router.get("/jobs/{job_id}", operation_id="getJob", tags=["ingest"], responses=ERRORS)
def get_job(request: Request, job_id: JobId, actor: ActorDep) -> dict[str, Any]:
    """One coding job: status, attempts, error."""
    return dict(_wb(request).job(actor, job_id))


@router.get("/lookup", operation_id="lookupCodes", tags=["review"], responses=ERRORS)
def lookup_codes(
    request: Request,
    actor: ActorDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words or a code.")],
    date: Annotated[str | None, Query(description="Date of service YYYY-MM-DD")] = None,
    kind: Annotated[Literal["diagnosis", "procedure"], Query()] = "diagnosis",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    """Code search, for adding a code from the note's words."""
    return list(_wb(request).lookup(actor, q, date=date, kind=kind, limit=limit))


@router.get("/learn/examples", operation_id="learnExamples", tags=["audit"], responses=ERRORS)
def learn_examples(request: Request, actor: ActorDep) -> list[dict[str, Any]]:
    """Coded encounters as training rows for ``medcoder learn``."""
    return list(_wb(request).learn_examples(actor))


# users and tokens ----------------------------------------------------------------------------
@router.get("/me", operation_id="whoAmI", tags=["users"], responses=ERRORS)
def who_am_i(actor: ActorDep) -> dict[str, Any]:
    """The caller: user id, username, role."""
    return {"user_id": actor.user_id, "username": actor.username, "role": actor.role}


@router.get("/users", operation_id="listUsers", tags=["users"], responses=ERRORS)
def list_users(request: Request, actor: ActorDep) -> list[dict[str, Any]]:
    """Every user (admins)."""
    return list(_wb(request).list_users(actor))


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    role: Literal["coder", "biller", "auditor", "admin"]


@router.post("/users", operation_id="createUser", status_code=201, tags=["users"], responses=ERRORS)
def create_user(request: Request, body: UserIn, actor: ActorDep) -> dict[str, Any]:
    """Create a user (admins)."""
    return dict(_wb(request).create_user(actor, body.username, body.password, body.role))


class UserUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = Field(None, description="false deactivates: the user's tokens and "
                                "sessions are refused from the next request")
    role: Literal["coder", "biller", "auditor", "admin"] | None = None


@router.patch("/users/{user_id}", operation_id="updateUser", tags=["users"], responses=ERRORS)
def update_user(request: Request, user_id: UserId, body: UserUpdateIn, actor: ActorDep) -> dict[str, Any]:
    """Deactivate or reactivate a user, or change their role (admins); at once."""
    return dict(_wb(request).update_user(actor, user_id, active=body.active, role=body.role))


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


@router.post("/tokens", operation_id="issueToken", status_code=201, tags=["users"], responses=ERRORS)
def issue_token(request: Request, body: TokenIn, actor: ActorDep) -> dict[str, Any]:
    """A new API token for the caller, shown once."""
    return {"name": body.name, "token": _wb(request).issue_token(actor, body.name)}


@router.get("/tokens", operation_id="listTokens", tags=["users"], responses=ERRORS)
def list_tokens(request: Request, actor: ActorDep) -> list[dict[str, Any]]:
    """The caller's tokens (never their secrets)."""
    return list(_wb(request).list_tokens(actor))


@router.delete("/tokens/{token_id}", operation_id="revokeToken", status_code=204, tags=["users"],
               responses=ERRORS)
def revoke_token(request: Request, token_id: TokenId, actor: ActorDep) -> Response:
    """Revoke a token."""
    _wb(request).revoke_token(actor, token_id)
    return Response(status_code=204)
