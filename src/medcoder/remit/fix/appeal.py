"""Appeal letters: a request for reconsideration of denied lines, in Markdown, and its PDF.

    text = appeal_letter(claim, payment, denials, excerpts=[...], describe=explainer, contact={...})
    appeal_pdf(text, Path("appeal.pdf"))

The letter carries what a payer needs to find and reconsider the claim (for Medicare Part B, the
redetermination request content of 42 CFR 405.944(b): beneficiary name, Medicare number, the
service and dates, the items in dispute, and why; CMS Medicare Claims Processing Manual Pub.
100-04 Ch. 29 §310.1): the payer's and provider's names, the patient, the member id, the patient
control number (835 CLP01), the payer claim control number (CLP07), the dates of service; each
denied line with its group code, CARC and RARC and their wording (``describe(kind, code)``, kind
``carc`` or ``rarc``: the X12 code lists as imported, e.g. medcoder's Explainer; by default the
codes alone), the record excerpts quoted and marked as such, the rule that applies
(``Denial.reference``), the request (overturn a denial, or reprocess a reduced payment) and a
signature block.

The PDF is set with reportlab (as the CMS-1500 writer does), written atomically and
reproducibly (``invariant``).
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from medcoder.claims.model import Claim
from medcoder.errors import InputError
from medcoder.fileio import write_atomic
from medcoder.remit.match import match_lines
from medcoder.remit.model import ZERO, ClaimPayment, Denial

Describe = Callable[[str, str], str]
GROUPS = {"CO": "Contractual Obligation", "PR": "Patient Responsibility", "OA": "Other Adjustment",
          "PI": "Payer Initiated Reductions", "CR": "Correction and Reversals"}


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or line (no pipes or line breaks)."""
    return " ".join(str(text).replace("|", "/").split())


def _wording(describe: Describe | None, kind: str, code: str) -> str:
    if describe is None:
        return ""
    try:
        text = describe(kind, code)
    except Exception:  # an explainer that does not know the code: the code alone
        return ""
    return _md(text) if text else ""


def _money(d: Decimal | None) -> str:
    return "" if d is None else f"${d.quantize(Decimal('0.01')):,}"


def appeal_letter(
    claim: Claim,
    payment: ClaimPayment,
    denials: list[Denial],
    *,
    excerpts: list[str] | None = None,
    describe: Describe | None = None,
    contact: Mapping[str, str] | None = None,
    payer_address: list[str] | None = None,
    request: str | None = None,
    on: _dt.date | None = None,
) -> str:
    """The Markdown letter. ``contact``: ``name``, ``title``, ``phone``, ``email`` of the person
    who signs; ``payer_address``: the appeals address lines (default: the claim's payer address);
    ``request``: words replacing the default request; ``on``: the letter's date (default today)."""
    if not denials:
        raise InputError("an appeal needs at least one denial to contest", where="denials")
    when = on or _dt.date.today()
    who = dict(contact or {})
    pat = claim.patient
    member = payment.patient.get("id") or pat.member_id or claim.subscriber.member_id or ""
    start, end = claim.service_from, claim.service_to
    dates = start.strftime("%m/%d/%Y") + ("" if end == start else " to " + end.strftime("%m/%d/%Y"))
    out: list[str] = [f"# Request for reconsideration: claim {payment.payer_claim_id or claim.patient_control_number}",
                      "", f"Date: {when.strftime('%B %d, %Y').replace(' 0', ' ')}", ""]
    addr = payer_address or ([claim.payer.address.line1, *([claim.payer.address.line2] if claim.payer.address.line2
                              else []), f"{claim.payer.address.city}, {claim.payer.address.state} "
                              f"{claim.payer.address.zip}"] if claim.payer.address else [])
    out += ["**To:** " + _md(claim.payer.name) + f" (payer id {_md(claim.payer.payer_id)}), appeals / reconsideration",
            *[f"  {_md(a)}" for a in addr], ""]
    bill = claim.billing
    out += [f"**From:** {_md(bill.name)}, NPI {bill.npi}" + (f", tax id {bill.tax_id}" if bill.tax_id else "")]
    if bill.address is not None:
        out.append(f"  {_md(bill.address.line1)}, {_md(bill.address.city)}, {bill.address.state} {bill.address.zip}")
    out += ["", "## Claim", "",
            f"- Patient: {_md(pat.last_name)}, {_md(pat.first_name)}"
            + (f" (born {pat.birth_date.strftime('%m/%d/%Y')})" if pat.birth_date else ""),
            f"- Member id: {_md(member)}",
            f"- Patient control number (CLP01): {_md(claim.patient_control_number)}",
            f"- Payer claim number (CLP07): {_md(payment.payer_claim_id or 'not given')}",
            f"- Dates of service: {dates}",
            f"- Billed: {_money(payment.charge)}; paid: {_money(payment.paid)}"]
    if claim.rendering is not None:
        out.append(f"- Rendering provider: {_md(claim.rendering.first_name or '')} {_md(claim.rendering.name)}, "
                   f"NPI {claim.rendering.npi}".replace(":  ", ": "))
    out += ["", "## Services in dispute", "",
            "| Line | Date | Code | Modifiers | Billed | Paid | Adjustment (group, CARC) | Remarks (RARC) |",
            "|---|---|---|---|---|---|---|---|"]
    pairs, _, _ = match_lines(claim, payment)
    by_remit = {lm.remit_line: lm for lm in pairs}
    for d in denials:
        if d.line is None:
            out.append(f"| claim | {dates} | all | | {_money(payment.charge)} | {_money(payment.paid)} | "
                       f"{d.group} {', '.join(d.carcs)} | {', '.join(d.rarcs)} |")
            continue
        if not 1 <= d.line <= len(payment.lines):
            raise InputError(f"denial line {d.line}: the remittance claim has {len(payment.lines)} lines",
                             where="denials")
        s = payment.lines[d.line - 1]
        lm = by_remit.get(d.line)
        n = lm.claim_line if lm is not None else None
        ln = claim.lines[n - 1] if n else None
        day = (s.date_from or (ln.date_of_service if ln else start)).strftime("%m/%d/%Y")
        mods = ":".join(ln.modifiers if ln else s.modifiers)
        out.append(f"| {n or d.line} | {day} | {s.submitted_code or s.code} | {mods} | {_money(s.charge)} | "
                   f"{_money(s.paid)} | {d.group} {', '.join(d.carcs)} | {', '.join(d.rarcs)} |")
    out += ["", "## Why the denial should be reconsidered", ""]
    for d in denials:
        what = "the claim" if d.line is None else f"line {d.line} ({d.code or payment.lines[d.line - 1].code})"
        amount = d.amount if d.amount else sum((a.amount for a in payment.adjustments), ZERO)
        out.append(f"### {what[0].upper() + what[1:]}: {_md(d.category_label)} ({_money(amount)} not paid)")
        out.append("")
        out.append(f"- Group {d.group}: {GROUPS.get(d.group, d.group)}")
        for c in d.carcs:
            w = _wording(describe, "carc", c)
            out.append(f"- CARC {c}" + (f": {w}" if w else ""))
        for r in d.rarcs:
            w = _wording(describe, "rarc", r)
            out.append(f"- RARC {r}" + (f": {w}" if w else ""))
        out.append(f"- Our reading: {_md(d.reason)}")
        if d.reference:
            out.append(f"- Applicable rule: {_md(d.reference)}")
        out.append("")
    if excerpts:
        out += ["## Documentation from the medical record", "",
                "The following excerpts are quoted from the patient's medical record for the date of service; "
                "the complete record is enclosed.", ""]
        for x in excerpts:
            for part in str(x).strip().splitlines():
                out.append(f"> {part.strip()}")
            out += ["> — excerpt from the medical record", ""]
    reduced = all(not d.denied for d in denials)
    ask = request or (
        "We ask that you reprocess the services above and pay them at the correct allowed amount."
        if reduced else
        "We ask that you overturn the denial of the services above and reprocess the claim for payment: the "
        "services were medically necessary, performed as documented and billed correctly.")
    out += ["## Request", "", ask, "",
            "Please direct questions about this request to the contact below.", "", "Sincerely,", "", "",
            "______________________________", ""]
    for key in ("name", "title"):
        if who.get(key):
            out.append(_md(who[key]) + "  ")
    out.append(_md(bill.name) + "  ")
    for key, label in (("phone", "Phone"), ("email", "Email")):
        if who.get(key):
            out.append(f"{label}: {_md(who[key])}  ")
    return "\n".join(out).rstrip() + "\n"


# -- PDF --------------------------------------------------------------------------------------------
def _inline(text: str) -> str:
    """Markdown inline (escape, **bold**) to reportlab paragraph markup."""
    t = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)


def appeal_pdf(markdown: str, path: Path) -> Path:
    """Render the letter's Markdown (headings, lists, quotes, tables, paragraphs) to a PDF at
    ``path``, written atomically (a temporary file in the folder, then renamed)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"the folder {path.parent} does not exist", where=str(path))
    ss = getSampleStyleSheet()
    body = ss["BodyText"]
    quote = ParagraphStyle("quote", parent=body, leftIndent=18, textColor=colors.HexColor("#333333"),
                           fontName="Helvetica-Oblique")
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=4)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    flow: list[Any] = []
    table: list[list[str]] = []

    def flush() -> None:
        if not table:
            return
        rows = [[Paragraph(_inline(c), cell) for c in r] for r in table]
        t = Table(rows, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        flow.append(t)
        flow.append(Spacer(1, 6))
        table.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                table.append(cells)
            continue
        flush()
        if not line.strip():
            flow.append(Spacer(1, 4))
        elif line.startswith("### "):
            flow.append(Paragraph(_inline(line[4:]), ss["Heading3"]))
        elif line.startswith("## "):
            flow.append(Paragraph(_inline(line[3:]), ss["Heading2"]))
        elif line.startswith("# "):
            flow.append(Paragraph(_inline(line[2:]), ss["Heading1"]))
        elif line.startswith("> "):
            flow.append(Paragraph(_inline(line[2:]), quote))
        elif line.startswith("- "):
            flow.append(Paragraph(_inline(line[2:]), bullet, bulletText="•"))
        else:
            flow.append(Paragraph(_inline(line.strip()), body))
    flush()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=inch, rightMargin=inch, topMargin=0.8 * inch,
                            bottomMargin=0.8 * inch, title="Request for reconsideration", creator="medcoder",
                            invariant=1)
    doc.build(flow)
    write_atomic(path, buf.getvalue())
    return path


__all__ = ["Describe", "appeal_letter", "appeal_pdf"]
