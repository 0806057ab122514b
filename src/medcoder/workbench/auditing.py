"""The workbench's audit view: what was released, re-reviewed against the note.

Each encounter audited becomes what ``medcoder audit run`` works on (``medcoder.audit``):

- its claim: the one stored when it was released (the ``claim_built`` event the release
  appends), read back with ``claims.serialize.claim_from_dict``; for a coded encounter not yet
  released, the claim ``billing.build`` makes from the final codes; turned into an
  ``AuditClaim`` the way the audit reads an 837 (``audit.inputs``), with each line's paid amount
  from the last 835 posted to it (``remit_posted``) when there is one;
- its note: a ``Documentation`` holding the Encounter the reader gave at ingest;

and ``audit.review.Reviewer`` re-reviews them with every finding family (eligibility, validity,
duplicates, E/M level, procedures, diagnoses, NCCI, MUE, modifiers), nothing re-implemented
here. Duplicates are looked for among the encounters of one audit (the earlier one, by id, is
the original), as ``medcoder audit run`` does among the claims of its set.

A finding's evidence is a tuple of excerpts; the ones found in the note become note spans
``{start, end, text}`` (highlighted on the page like the codes' evidence), the others (claim
data, what medcoder coded) are kept as ``context``.

The note is not coded again when the encounter's stored coding result (its ``coded`` event)
is still what the audit would get: the same medcoder version, the same releases as the coder in
force on its date of service (``coder_for(...).terms.sources``), and the same encounter (the
claim adds no date, setting, patient or payer the note lacked). ``stored_coding`` rebuilds that
CodingResult from the state's suggestions; otherwise the Reviewer codes the note, as before.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from medcoder.audit.model import AuditClaim, ClaimReview, Documentation, Finding

__all__ = ["AUDIT_STATUSES", "SEVERITY", "audit_claim", "coded_by", "documentation",
           "finding_row", "note_spans", "stored_coding", "summarize"]

#: the statuses whose claim an audit reviews: released (the claim that went out) and coded
#: (the claim the final codes make, before it is released)
AUDIT_STATUSES = ("released", "coded")
#: a finding's severity from its direction: an overpayment (billed, not supported) is an error,
#: a compliance finding (no payment difference) a warning, an underpayment lead information
SEVERITY = {"overpayment": "error", "none": "warning", "underpayment": "info"}


def coded_by(result: Mapping[str, Any]) -> dict[str, Any]:
    """What the ``coded`` event records about the coder (medcoder version and the releases its
    result names), so that an audit knows whether the stored result is still current."""
    from medcoder import __version__

    return {"medcoder": __version__, "releases": dict(result.get("releases") or {})}


def _suggestion(d: Mapping[str, Any]) -> Any:
    from medcoder.result import CodeSuggestion, Context, Evidence

    return CodeSuggestion(
        code=d["code"], system=d.get("system") or "", description=d.get("description") or "",
        sequence=int(d.get("sequence") or 0), confidence=float(d.get("confidence") or 0.0),
        evidence=[Evidence(int(e["start"]), int(e["end"]), e["text"], e.get("section"))
                  for e in d.get("evidence") or []],
        rationale=list(d.get("rationale") or []), context=Context(**dict(d.get("context") or {})),
        units=d.get("units"), modifiers=list(d.get("modifiers") or []), minutes=d.get("minutes"),
        diagnosis_pointers=list(d.get("diagnosis_pointers") or []))


def stored_coding(kb: Any, state: Mapping[str, Any], claim: AuditClaim, doc: Documentation) -> Any:
    """The encounter's stored CodingResult when it is what coding ``doc`` for ``claim`` now
    would give (see the module docstring), else None (the note is coded again)."""
    from medcoder import __version__
    from medcoder.audit.review import coding_encounter
    from medcoder.coders.diagnosis.engine import coder_for
    from medcoder.dates import parse_date
    from medcoder.errors import MedcoderError
    from medcoder.result import CodingResult

    by, sugg = state.get("coded_by"), state.get("suggestions")
    enc = doc.encounter
    if not by or sugg is None or by.get("medcoder") != __version__ or enc.date_of_service is None:
        return None
    if coding_encounter(claim, doc) != enc:
        return None
    try:
        in_force = dict(coder_for(kb, enc.date_of_service).terms.sources)
    except MedcoderError:
        return None
    if in_force != by.get("releases"):
        return None
    return CodingResult(
        text=enc.text, setting=enc.setting, mode="billing",
        date_of_service=parse_date(state.get("date_of_service")) if state.get("date_of_service")
        else enc.date_of_service,
        diagnoses=[_suggestion(d) for d in sugg.get("diagnoses") or []],
        procedures=[_suggestion(p) for p in sugg.get("procedures") or []],
        warnings=list(state.get("warnings") or []), releases=dict(in_force))


def audit_claim(settings: Any, kb: Any, encounter_id: int, state: Mapping[str, Any]) -> AuditClaim:
    """The encounter's claim as an ``AuditClaim`` (what was billed, and paid when an 835 was
    posted). Raises what ``billing.build`` raises for an encounter whose claim cannot be built."""
    from medcoder.audit.inputs import audit_claim_from
    from medcoder.workbench import billing

    claim = billing.stored_claim(state) if state.get("status") == "released" else None
    if claim is None:
        claim, _view = billing.build(settings, kb, encounter_id, copy.deepcopy(dict(state)))
    out = audit_claim_from(claim, Path("workbench"), 1)
    out.source = f"workbench encounter {encounter_id}"
    _attach_paid(out, state.get("remits") or [])
    return out


def _attach_paid(claim: AuditClaim, remits: Iterable[Mapping[str, Any]]) -> None:
    """Each line's paid amount from the last 835 posted whose adjudication was not reversed."""
    last = None
    for r in remits:
        if not r.get("reversed"):
            last = r
    if last is None:
        return
    counts = {i for i, p in enumerate(last.get("payments") or []) if p.get("counts")}
    paid: dict[int, Decimal] = {}
    for ln in last.get("lines") or []:
        line_no, amount = ln.get("claim_line"), ln.get("paid")
        if line_no is None or amount is None or (counts and ln.get("payment") not in counts):
            continue
        paid[int(line_no)] = paid.get(int(line_no), Decimal(0)) + Decimal(str(amount))
    source = (last.get("posting") or {}).get("source") or "835"
    for ln in claim.lines:
        if ln.line in paid:
            ln.paid = paid[ln.line]
            ln.paid_source = f"835 {source}"


def documentation(claim_id: str, encounter: Any) -> Documentation:
    return Documentation(claim_id=claim_id, path="workbench", format=encounter.source_format or "text",
                         encounter=encounter)


def note_spans(text: str, excerpts: Iterable[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """(spans, context): each excerpt found in the note as {start, end, text} (its first
    occurrence), the others as they are."""
    spans: list[dict[str, Any]] = []
    context: list[str] = []
    for e in excerpts:
        at = text.find(e) if e else -1
        if at >= 0:
            spans.append({"start": at, "end": at + len(e), "text": e})
        else:
            context.append(e)
    return spans, context


def finding_row(encounter_id: int, text: str, f: Finding) -> dict[str, Any]:
    spans, context = note_spans(text, f.evidence)
    return {
        "encounter_id": encounter_id, "claim_id": f.claim_id, "line": f.line, "check": f.category,
        "severity": SEVERITY.get(f.direction, "warning"), "direction": f.direction,
        "billed": f.billed, "supported": f.supported, "message": f.message,
        "reference": f.reference, "evidence": spans, "context": context,
        "amount": str(f.amount), "amount_basis": f.amount_basis,
    }


def summarize(reviews: Iterable[tuple[int, ClaimReview | None, str | None]],
              findings: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(one row per encounter, the totals) of an audit's reviews ``(encounter id, review or
    None, why not reviewable)``."""
    rows: list[dict[str, Any]] = []
    over = under = Decimal(0)
    for eid, review, why in reviews:
        if review is None or review.status != "reviewed":
            rows.append({"encounter_id": eid, "status": "not-reviewable",
                         "reason": why or (review.reason if review else None), "findings": 0,
                         "overpayment": "0", "underpayment": "0"})
            continue
        over += review.overpayment
        under += review.underpayment
        rows.append({"encounter_id": eid, "status": "reviewed", "reason": None,
                     "claim_id": review.claim_id, "findings": len(review.findings),
                     "overpayment": str(review.overpayment), "underpayment": str(review.underpayment)})
    by_check: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for f in findings:
        by_check[f["check"]] = by_check.get(f["check"], 0) + 1
        by_severity[f["severity"]] = by_severity.get(f["severity"], 0) + 1
    totals = {
        "encounters": len(rows), "reviewed": sum(1 for r in rows if r["status"] == "reviewed"),
        "not_reviewable": sum(1 for r in rows if r["status"] != "reviewed"),
        "with_findings": sum(1 for r in rows if r["findings"]), "findings": len(findings),
        "overpayment": str(over), "underpayment": str(under), "net": str(over - under),
        "by_check": dict(sorted(by_check.items())), "by_severity": dict(sorted(by_severity.items())),
    }
    return rows, totals
