"""Billed services against the services the record documents.

medcoder codes the record once (``medcoder.coding.code_encounter``); each billed procedure or
supply line (E/M visit levels are ``em_level``'s) must be among the codes it produced, with at
least the units billed (timed codes by the documented minutes, drugs by the documented dose).

- billed, not documented: the line's paid amount is the overpayment (SSA §1833(e): no payment
  without the information to determine the amount due; CMS Pub. 100-08 Ch. 3: the record must
  support the service billed);
- billed with more units than documented: the share of the paid amount for the units not
  supported;
- documented, not billed: an underpayment lead ("procedure-unbilled", negative fee schedule
  amount) unless the service is the column 2 code of an NCCI PTP edit with a service billed or
  documented (then it is bundled and not payable separately).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medcoder.audit.checks import CheckContext, billed_text, line_date
from medcoder.audit.checks.em_level import coded_visits, evidence, is_leveled
from medcoder.audit.model import AuditClaim, Finding
from medcoder.audit.quantify import part_of_line, unbilled, whole_line
from medcoder.errors import DataError

REFERENCE = ("Social Security Act §1833(e) (no payment without the information necessary to determine the "
             "amount due); CMS Medicare Program Integrity Manual (Pub. 100-08) Ch. 3 (documentation must "
             "support the service billed)")
REF_UNBILLED = ("CMS Medicare Program Integrity Manual (Pub. 100-08) Ch. 3 (documentation review: services "
                "documented and not billed are reported to the provider as underpayments)")


def units_of(p: Any) -> Decimal:
    return Decimal(str(p.units)) if p.units is not None else Decimal(1)


def _coded_list(coded: Any) -> str:
    codes = [f"{p.code}{' ' + '-'.join(p.modifiers) if p.modifiers else ''}" for p in coded.procedures]
    return "medcoder coded from the record: " + (", ".join(codes) if codes else "no procedure or visit")


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    if coded is None:
        return []
    out: list[Finding] = []
    documented: dict[str, Decimal] = {}
    spans: dict[str, tuple[str, ...]] = {}
    for p in coded.procedures:
        if is_leveled(p.code):
            continue
        documented[p.code] = documented.get(p.code, Decimal(0)) + units_of(p)
        spans[p.code] = spans.get(p.code, ()) + evidence(p)
    remaining = dict(documented)
    visits = {p.code: units_of(p) for p in coded_visits(coded)}
    replaced_visit = False
    listed = _coded_list(coded)
    for ln in claim.lines:
        if is_leveled(ln.code):
            continue
        dos = line_date(claim, ln)
        have = remaining.get(ln.code, Decimal(0))
        if have <= 0 and ln.code not in documented:
            repl = _replacement(ln.code, dos, ctx, {**visits, **remaining})
            if repl is not None:  # a deleted code billed for a documented service: validity's
                if repl in visits:
                    replaced_visit = True
                else:
                    remaining[repl] -= min(remaining[repl], ln.units)
                continue
        if have >= ln.units:
            remaining[ln.code] = have - ln.units
            continue
        remaining[ln.code] = Decimal(0)
        if have <= 0:
            amount, basis = whole_line(ln, dos, ctx.fees)
            supported, msg = "nothing", f"line {ln.line} {ln.code}: the record does not document this service"
            ev: tuple[str, ...] = (listed,)
        else:
            amount, basis = part_of_line(ln, ln.units - have, dos, ctx.fees)
            supported = f"{ln.code} x {have.normalize():f}"
            msg = (f"line {ln.line} {ln.code}: {ln.units.normalize():f} units billed, the record documents "
                   f"{documented[ln.code].normalize():f} in all")
            ev = spans.get(ln.code, ()) or (listed,)
        out.append(Finding(claim.claim_id, ln.line, "procedure-undocumented", "overpayment", billed_text(ln),
                           supported, msg, evidence=ev, reference=REFERENCE, amount=amount, amount_basis=basis))
    billed = {ln.code for ln in claim.lines}
    extra = [p for p in coded.procedures if p.code not in billed and not is_leveled(p.code)
             and remaining.get(p.code, Decimal(0)) > 0]
    if not any(is_leveled(c) for c in billed) and not replaced_visit:
        extra += coded_visits(coded)[:1]
    if not extra:
        return out
    bundled = _bundled(claim, ctx, billed | documented.keys() | {p.code for p in extra})
    for p in extra:
        if p.code in bundled:
            continue
        units = units_of(p)
        amount, basis = unbilled(p.code, units, claim.date_of_service, ctx.fees, modifiers=p.modifiers,
                                 pos=claim.place_of_service)
        name = f"{p.code}{' ' + '-'.join(p.modifiers) if p.modifiers else ''}" + (f" x {units.normalize():f}" if units != 1 else "")
        out.append(Finding(
            claim.claim_id, None, "procedure-unbilled", "underpayment", "nothing", name,
            f"the record documents {name}, which was not billed (a lead for the provider: an underpayment "
            "if it was separately payable)",
            evidence=evidence(p), reference=REF_UNBILLED, amount=amount, amount_basis=basis,
            detail={"rationale": list(p.rationale)}))
    return out


def _replacement(code: str, dos: Any, ctx: CheckContext, remaining: dict[str, Decimal]) -> str | None:
    """The documented code that replaced ``code`` (deleted on the date: medcoder's code history),
    if the record documents it and it is not billed otherwise."""
    from medcoder.codesets.procedures import validate

    try:
        v = validate("CPT" if code[:1].isdigit() else "HCPCS", code, dos, ctx.kb)
    except DataError:
        return None
    for r in v.replacements or ():
        if remaining.get(r, Decimal(0)) > 0:
            return r
    return None


def _bundled(claim: AuditClaim, ctx: CheckContext, codes: set[str]) -> set[str]:
    """Column 2 codes of the NCCI PTP edits among ``codes`` on the claim's date."""
    from medcoder.audit.checks.ncci import ptp_kind

    kind = ptp_kind(claim)
    if kind is None or len(codes) < 2:
        return set()
    reader = ctx.table(kind, claim.date_of_service)
    if reader is None:
        return set()
    dos = claim.date_of_service
    return {e.column2 for e in reader.edits_among(sorted(codes), dos)
            if e.modifier_indicator != 9 and e.active_on(dos)}
