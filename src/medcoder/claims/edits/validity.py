"""Code validity on the date of service: every diagnosis, procedure and PCS code on the claim
must be a complete, reportable code in the code set in force on the line's date.

- ICD-10-CM: billable (complete to the highest level of specificity, Guideline I.B.2/I.A.5),
  in the release for the date of service; codes deleted or expanded are reported with their
  replacements (the FY code update tables / medcoder's code history).
- HCPCS Level II: in the HCPCS file loaded, active on the date (add/termination dates).
- CPT: five-character format; existence in the licensed file when one is loaded, else in the
  Medicare physician fee schedule RVU file when that is loaded (a code absent from both is
  flagged as a warning: it may be new or not payable under the MPFS).
- ICD-10-PCS: a valid seven-character code in the PCS tables of the discharge date's fiscal year.
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.edits.seventh_character import seventh_problem
from medcoder.claims.model import Claim
from medcoder.codesets.procedures import validate as validate_procedure
from medcoder.codesets.validate import validate_icd10cm
from medcoder.errors import DataError

REF_CM = "ICD-10-CM Official Guidelines for Coding and Reporting, Sections I.A.5 and I.B.2 (code to the highest specificity; only complete codes are reported); HIPAA code set in force on the date of service (45 CFR 162.1002)"
REF_HCPCS = "CMS HCPCS Level II quarterly update (add and termination dates); 45 CFR 162.1002"
REF_PCS = "ICD-10-PCS Official Guidelines (A.2-A.3: seven characters from one table row); CMS ICD-10-PCS tables for the fiscal year of discharge"


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    dos = claim.service_from
    for i, dx in enumerate(claim.diagnoses, start=1):
        try:
            v = validate_icd10cm(dx.code, dos, ctx.kb)
        except DataError:
            yield ctx.not_loaded(FAMILY, "icd10cm-tabular")
            break
        if not v.valid and not v.replacements and seventh_problem(ctx.kb.open("icd10cm-tabular", dos).reader, dx.code):
            continue  # a missing or wrong 7th character: the seventh-character edit reports it
        if not v.valid:
            rule = "deleted-diagnosis" if v.replacements else "invalid-diagnosis"
            yield FAMILY.finding(rule, "error", f"diagnosis {i} {dx.code}: {v.reason}", diagnoses=[i],
                                 codes=[dx.code], reference=REF_CM)
    for n, ln in enumerate(claim.lines, start=1):
        if not ln.code:
            continue  # a revenue-code-only line (room and board): no procedure code to check
        system = ln.system if ln.system in ("CPT", "HCPCS") else ("CPT" if ln.code[:1].isdigit() else "HCPCS")
        try:
            v = validate_procedure(system, ln.code, ln.date_of_service, ctx.kb)
        except DataError:
            if system == "HCPCS":
                yield ctx.not_loaded(FAMILY, "hcpcs")
            continue
        if not v.valid:
            rule = "deleted-procedure" if v.replacements else "invalid-procedure"
            yield FAMILY.finding(rule, "error", f"line {n} {ln.code}: {v.reason}", lines=[n], codes=[ln.code],
                                 reference=REF_HCPCS if system == "HCPCS" else "CPT code set in force on the date of service (AMA, annual release); 45 CFR 162.1002")
        elif system == "CPT" and v.notice and not ctx.kb.store.tables("cpt"):
            rvu = ctx.table("pfs-rvu", ln.date_of_service)
            if rvu is not None and not rvu.rows(ln.code):
                yield FAMILY.finding(
                    "cpt-not-in-mpfs", "warning",
                    f"line {n} {ln.code}: not in the Medicare physician fee schedule RVU file for "
                    f"{ln.date_of_service} (no licensed CPT file is loaded to confirm the code exists)",
                    lines=[n], codes=[ln.code],
                    reference="CMS Medicare Physician Fee Schedule relative value file (PPRRVU), release in force")
    if claim.kind == "institutional":
        for i, p in enumerate(claim.pcs_procedures, start=1):
            try:
                v = validate_procedure("ICD-10-PCS", p.code, p.date, ctx.kb)
            except DataError:
                yield ctx.not_loaded(FAMILY, "icd10pcs")
                break
            if not v.valid:
                yield FAMILY.finding("invalid-pcs", "error", f"ICD-10-PCS procedure {i} {p.code}: {v.reason}",
                                     codes=[p.code], reference=REF_PCS)


FAMILY = Family(
    name="validity",
    title="Code validity on the date of service",
    reference=REF_CM,
    check=_check,
)
