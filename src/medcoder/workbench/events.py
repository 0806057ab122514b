"""Encounter events and the projection that derives an encounter's current state from them.

Every change to an encounter is an append-only event ``(encounter_id, seq, at, actor, type,
data, reason)``; ``project(events)`` folds them, in ``seq`` order, into the state the worklist
and the encounter page show. The service caches that state in the ``encounters`` row and a test
rebuilds it from the events.

Event types and their ``data``:

    ingested        {setting, payer, date_of_service, patient, source_format, source_name}
    coding_started  {job_id, attempt, worker}
    coded           {job_id, result: CodingResult.to_dict(), coded_by: {medcoder, releases}}
                    coded_by: the medcoder version and releases that coded it (an audit
                    reuses the result while they are the ones in force)
    coding_failed   {job_id, error: {code, message}}           (never note text)
    decision        {action: accept|reject|edit|add, kind, code, new_code, units, modifiers, title}
    sequenced       {codes: [...]}                             diagnosis order, first = first-listed
    completed       {}
    query_added     {query_id, question, to}
    query_answered  {query_id, answer}
    claim_built     {claim, edits, payment}
    released        {fmt, filename, claim_id}
    remit_posted    {remit, source, remit_ids, trace_numbers}   remit: the claim's match (paid vs
                    expected, denials explained); one event per encounter per 835 posted
    audited         {version, status, findings, checks, overpayment, underpayment, reviewable,
                    coding: "stored" (the coded result reused) | "recoded" | None (no claim)}
                    the claim re-reviewed against the note (``Workbench.audit``); counts only,
                    never a finding's words

``summary_columns(state)`` gives the worklist's columns of the encounter row (status, setting,
payer, date of service, patient display, lowest confidence, number of codes, error), written in
the same transaction as each event.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DECISIONS", "EVENT_TYPES", "FINAL", "SUMMARY_COLUMNS", "apply", "final_codes",
           "initial_state", "lowest_confidence", "project", "summary_columns"]

EVENT_TYPES = (
    "ingested",
    "coding_started",
    "coded",
    "coding_failed",
    "decision",
    "sequenced",
    "completed",
    "query_added",
    "query_answered",
    "claim_built",
    "released",
    "remit_posted",
    "audited",
)
DECISIONS = ("accept", "reject", "edit", "add")
#: code statuses that end up on the claim
FINAL = ("accepted", "edited", "added")
_KINDS = {"diagnoses": "diagnosis", "procedures": "procedure"}


def initial_state() -> dict[str, Any]:
    return {
        "status": "queued",
        "setting": None,
        "payer": None,
        "date_of_service": None,
        "patient": {},
        "source_format": None,
        "source_name": None,
        "suggestions": None,
        "coded_by": None,
        "codes": [],
        "queries": [],
        "query_drafts": [],
        "warnings": [],
        "claim": None,
        "released": None,
        "remits": [],
        "audits": [],
        "error": None,
    }


def _entry(kind: str, s: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind,
        "code": s["code"],
        "system": s.get("system"),
        "title": s.get("description") or s.get("label") or "",
        "status": "suggested",
        "units": s.get("units"),
        "modifiers": list(s.get("modifiers") or []),
        "sequence": s.get("sequence") or 0,
        "reason": None,
        "evidence": list(s.get("evidence") or []),
        "confidence": s.get("confidence"),
        "original_code": None,
        "suggested": True,
    }


def _find(state: Mapping[str, Any], kind: str, code: str) -> dict[str, Any] | None:
    for entry in state["codes"]:
        if entry["kind"] == kind and entry["code"] == code:
            return entry
    return None


def _renumber(state: dict[str, Any], kind: str) -> None:
    entries = [e for e in state["codes"] if e["kind"] == kind]
    live = [e for e in entries if e["status"] != "rejected"]
    live.sort(key=lambda e: (e["sequence"] or 10_000))
    for i, e in enumerate(live, 1):
        e["sequence"] = i
    for e in entries:
        if e["status"] == "rejected":
            e["sequence"] = 0


def _decide(state: dict[str, Any], data: Mapping[str, Any], reason: str | None) -> None:
    action, kind, code = data["action"], data.get("kind", "diagnosis"), data["code"]
    if action == "add":
        entry = _find(state, kind, code)
        if entry is None:
            entry = {
                "kind": kind, "code": code, "system": data.get("system"),
                "title": data.get("title") or "", "status": "added",
                "units": None, "modifiers": [], "sequence": 10_000, "reason": reason,
                "evidence": list(data.get("evidence") or []), "confidence": None,
                "original_code": None, "suggested": False,
            }
            state["codes"].append(entry)
        else:
            entry["status"] = "added"
            entry["reason"] = reason
    else:
        entry = _find(state, kind, code)
        if entry is None:
            raise KeyError(f"{kind} {code} is not on the encounter")
        if action == "accept":
            entry["status"] = "accepted"
        elif action == "reject":
            entry["status"] = "rejected"
        elif action == "edit":
            entry["original_code"] = entry["original_code"] or entry["code"]
            entry["code"] = data["new_code"]
            entry["title"] = data.get("title") or ""  # the new code's, never the old one's
            entry["status"] = "edited"
        else:
            raise ValueError(f"unknown decision {action!r}")
        entry["reason"] = reason
    if data.get("units") is not None:
        entry["units"] = data["units"]
    if data.get("modifiers") is not None:
        entry["modifiers"] = list(data["modifiers"])
    _renumber(state, kind)


def apply(state: dict[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """The state after one event (``state`` is changed in place and returned)."""
    etype = event["type"]
    data: Mapping[str, Any] = event.get("data") or {}
    reason = event.get("reason")
    if etype == "ingested":
        for key in ("setting", "payer", "date_of_service", "source_format", "source_name"):
            state[key] = data.get(key)
        state["patient"] = dict(data.get("patient") or {})
        state["status"] = "queued"
    elif etype == "coding_started":
        state["status"] = "coding"
    elif etype == "coded":
        result = data["result"]
        state["suggestions"] = {
            "diagnoses": list(result.get("diagnoses") or []),
            "procedures": list(result.get("procedures") or []),
        }
        state["codes"] = [
            _entry(kind, s) for key, kind in _KINDS.items() for s in result.get(key) or []
        ]
        state["query_drafts"] = list(result.get("queries") or [])
        state["warnings"] = list(result.get("warnings") or [])
        state["coded_by"] = dict(data["coded_by"]) if data.get("coded_by") else None
        state["date_of_service"] = state["date_of_service"] or result.get("date_of_service")
        state["setting"] = state["setting"] or result.get("setting")
        state["error"] = None
        state["status"] = "ready"
    elif etype == "coding_failed":
        state["error"] = dict(data.get("error") or {})
        state["status"] = "error"
    elif etype == "decision":
        _decide(state, data, reason)
        state["status"] = "in_review"
        state["claim"] = None
    elif etype == "sequenced":
        order = {c: i for i, c in enumerate(data["codes"], 1)}
        for e in state["codes"]:
            if e["kind"] == "diagnosis" and e["status"] != "rejected":
                e["sequence"] = order.get(e["code"], 1000 + (e["sequence"] or 0))
        _renumber(state, "diagnosis")
        state["status"] = "in_review"
        state["claim"] = None
    elif etype == "completed":
        state["status"] = "coded"
    elif etype == "query_added":
        state["queries"].append({
            "id": data["query_id"], "question": data["question"], "to": data.get("to"),
            "at": event.get("at"), "by": event.get("actor"), "answer": None, "answered_at": None,
        })
    elif etype == "query_answered":
        for q in state["queries"]:
            if q["id"] == data["query_id"]:
                q["answer"] = data["answer"]
                q["answered_at"] = event.get("at")
    elif etype == "claim_built":
        state["claim"] = {k: data.get(k) for k in ("claim", "edits", "payment", "clean")}
    elif etype == "released":
        state["released"] = dict(data)
        state["status"] = "released"
    elif etype == "remit_posted":
        posted = dict(data.get("remit") or {})
        posted["posting"] = {"source": data.get("source"), "remit_ids": list(data.get("remit_ids") or []),
                             "trace_numbers": list(data.get("trace_numbers") or []),
                             "at": event.get("at"), "by": event.get("actor")}
        state["remits"].append(posted)
    elif etype == "audited":
        state.setdefault("audits", []).append({**dict(data), "at": event.get("at"), "by": event.get("actor")})
    else:
        raise ValueError(f"unknown event type {etype!r}")
    return state


def project(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The current state of an encounter from its events, in order."""
    state = initial_state()
    for event in events:
        apply(state, copy.deepcopy(dict(event)))
    return state


def final_codes(state: Mapping[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    """The accepted, edited and added codes, in sequence."""
    out = [e for e in state["codes"] if e["status"] in FINAL and (kind is None or e["kind"] == kind)]
    return sorted(out, key=lambda e: (e["kind"], e["sequence"] or 10_000))


def lowest_confidence(state: Mapping[str, Any]) -> float | None:
    values = [e["confidence"] for e in state["codes"] if e.get("confidence") is not None]
    return min(values) if values else None


#: the encounter row's columns that ``summary_columns`` fills (the worklist reads only these,
#: with id, created_at, updated_at, version, source_format and source_name)
SUMMARY_COLUMNS = ("status", "setting", "payer", "date_of_service", "patient_name", "patient_age",
                   "patient_sex", "confidence", "n_codes", "error")


def summary_columns(state: Mapping[str, Any]) -> dict[str, Any]:
    """The worklist's columns of an encounter in ``state`` (see ``SUMMARY_COLUMNS``)."""
    pat = state.get("patient") or {}
    age = pat.get("age")
    name = pat.get("name")
    sex = pat.get("sex")
    return {
        "status": state["status"],
        "setting": state.get("setting"),
        "payer": state.get("payer"),
        "date_of_service": state.get("date_of_service"),
        "patient_name": str(name)[:200] if name else None,
        "patient_age": age if isinstance(age, int) and not isinstance(age, bool) else None,
        "patient_sex": str(sex)[:1] if sex else None,
        "confidence": lowest_confidence(state),
        "n_codes": sum(1 for e in state["codes"] if e["status"] != "rejected"),
        "error": dict(state["error"]) if state.get("error") else None,
    }
