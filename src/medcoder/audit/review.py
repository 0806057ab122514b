"""The re-review of a billed claim against its documentation (issue 8).

1. the record (``Documentation.encounter``) is coded once by medcoder, on the claim's date of
   service, setting and patient (``medcoder.coding.code_encounter``); a claim without a record
   is "not reviewable" (never "correct");
2. every finding family in ``audit/checks`` compares what was billed with what was coded, line
   by line, or checks the claim data (eligibility, validity, duplicates, NCCI, MUE) with the
   tables in force on the date of service (each table opened once per claim through the
   knowledge base's cache);
3. ``quantify`` gives each finding its payment difference and counts each line's dollars once.

``Reviewer`` keeps the coder and the fee schedule lookups for a whole audit and finds duplicate
payments across the claims it reviews (the earlier claim of the set is the original).
``Reviewer.review_one(..., coded=result)`` skips step 1 for a caller that already holds the
record's coding result (the workbench, which coded the note at ingest).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from medcoder.audit.checks import CheckContext, checks
from medcoder.audit.checks.duplicates import index
from medcoder.audit.model import AuditClaim, ClaimReview, Documentation, Finding, Member
from medcoder.audit.quantify import Fees, PricingChoice, settle, totals
from medcoder.encounter import SETTINGS
from medcoder.errors import MedcoderError

__all__ = ["PricingChoice", "Reviewer", "coding_encounter", "review_claim"]

_POS_SETTING = {"23": "emergency", "21": "inpatient", "41": "ambulance", "42": "ambulance"}


def _age(birth: _dt.date | None, on: _dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _encounter(claim: AuditClaim, doc: Documentation) -> Any:
    """The record's encounter with the claim's date, setting and patient where it says none."""
    enc = doc.encounter
    setting = _POS_SETTING.get(claim.place_of_service or "", claim.setting)
    meta = dict(enc.metadata or {})
    if claim.payer and "payer" not in meta and "medicare" in claim.payer.lower():
        meta["payer"] = "medicare"
    changes: dict[str, Any] = {"metadata": meta}
    if enc.date_of_service is None:
        changes["date_of_service"] = claim.date_of_service
    if setting in SETTINGS and (doc.format == "text" or not enc.setting):
        changes["setting"] = setting
    if enc.patient_age is None:
        changes["patient_age"] = _age(claim.patient_birth_date, claim.date_of_service)
    if enc.patient_sex in (None, "U") and claim.patient_sex != "U":
        changes["patient_sex"] = claim.patient_sex
    return dataclasses.replace(enc, **changes)


def coding_encounter(claim: AuditClaim, doc: Documentation) -> Any:
    """The encounter the review codes: the record's, with the claim's date of service, setting
    and patient where the record gives none (a caller holding a coding result of the record
    passes it as ``coded`` only when this equals the encounter it coded)."""
    return _encounter(claim, doc)


def _code(claim: AuditClaim, doc: Documentation, kb: Any) -> Any:
    from medcoder.coding import code_encounter

    return code_encounter(_encounter(claim, doc), kb=kb)


def _coded_summary(coded: Any) -> dict[str, Any]:
    return {
        "diagnoses": [d.code for d in coded.diagnoses],
        "procedures": [{"code": p.code, "units": p.units if p.units is not None else 1,
                        "modifiers": list(p.modifiers)} for p in coded.procedures],
        "warnings": list(coded.warnings),
        "releases": dict(coded.releases),
    }


def _review(claim: AuditClaim, doc: Documentation | None, coded: Any, ctx: CheckContext,
            error: str | None = None) -> ClaimReview:
    if doc is None or coded is None:
        return ClaimReview(claim.claim_id, "not-reviewable",
                           reason=error or "no documentation for this claim", paid=claim.paid)
    findings: list[Finding] = []
    with ctx.kb.steady():
        for _name, fn, _needs in checks():
            findings.extend(fn(claim, coded, ctx))
    findings = settle(findings)
    over, under = totals(findings)
    return ClaimReview(claim.claim_id, "reviewed", findings=findings, paid=claim.paid,
                       overpayment=over, underpayment=under, coded=_coded_summary(coded))


def review_claim(
    claim: AuditClaim,
    doc: Documentation | None,
    *,
    kb: Any,
    member: Member | None = None,
    history: Sequence[AuditClaim] = (),
    pricing: PricingChoice | None = None,
) -> ClaimReview:
    """Re-review one claim against its record. ``history``: claims paid before it (duplicates);
    ``pricing``: the locality or ZIP code of the fee schedule amounts (none: findings without a
    paid amount are not quantified)."""
    ctx = CheckContext(kb=kb, member=member, history=history, fees=Fees(kb, pricing), doc=doc)
    if doc is None:
        return _review(claim, None, None, ctx)
    try:
        coded = _code(claim, doc, kb)
    except MedcoderError as exc:
        return _review(claim, doc, None, ctx, f"the documentation could not be coded: {exc.message}")
    return _review(claim, doc, coded, ctx)


class Reviewer:
    """Re-reviews many claims with one coder, one fee schedule cache and the members file."""

    def __init__(self, kb: Any, *, locality: str | None = None, zip_code: str | None = None,
                 members: Mapping[str, Member] | Iterable[Member] | None = None) -> None:
        self.kb = kb
        self.fees = Fees(kb, PricingChoice(locality=locality, zip_code=zip_code))
        if members is None:
            self.members: dict[str, Member] = {}
        elif isinstance(members, Mapping):
            self.members = dict(members)
        else:
            self.members = {m.patient_id: m for m in members}

    def review(self, claims: Sequence[AuditClaim], docs: Mapping[str, Documentation]) -> list[ClaimReview]:
        """Each claim in order; a line repeating a paid line of an earlier claim of ``claims``
        is the duplicate."""
        out: list[ClaimReview] = []
        seen: dict[Any, tuple[str, int]] = {}
        for claim in claims:
            out.append(self.review_one(claim, docs.get(claim.claim_id), seen))
            for k, v in index([claim]).items():
                seen.setdefault(k, v)
        return out

    def review_one(self, claim: AuditClaim, doc: Documentation | None,
                   seen: dict[Any, tuple[str, int]] | None = None, *, coded: Any = None) -> ClaimReview:
        """One claim against its record. ``coded``: the record's ``CodingResult`` when the
        caller already holds it (coded by the same coder, releases and encounter as here, which
        the caller vouches for); None codes the record now."""
        ctx = CheckContext(kb=self.kb, member=self.members.get(claim.patient_id), fees=self.fees, doc=doc,
                           duplicate_index=dict(seen) if seen is not None else {})
        if doc is None:
            return _review(claim, None, None, ctx)
        if coded is not None:
            return _review(claim, doc, coded, ctx)
        try:
            coded = _code(claim, doc, self.kb)
        except MedcoderError as exc:
            return _review(claim, doc, None, ctx, f"the documentation could not be coded: {exc.message}")
        return _review(claim, doc, coded, ctx)

