"""Benchmark audits: claims re-reviewed per second with documentation (issue #8 target >= 50/s/core).

    python benchmarks/bench_audit.py [--copies 25] [--write]

The audit universe is built from the audit cases (``tests/audit/cases``, via
``tests/audit/universe.py``): a CSV claim-line extract, one note per claim, a members file;
each case written ``--copies`` times. Tables: the bundled ICD-10-CM tabular, the scrubber's NCCI
PTP and MUE fixtures, and the CY2025 physician fee schedule from ../shared/data/pfs when present
(E/M level differences are then priced for Manhattan, 13202-01). Measured in one process:

- re-review (``Reviewer.review``: re-code each note, every check family, quantify), the target;
- the whole audit (``run_audit``: read the extract, the notes and the members, review, patterns)
  without and with the workbook (HTML, PDF, CSV, JSON), and with a 30-claim sample extrapolated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdoc import machine, put_section

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests" / "audit"))

PFS = {"pfs-rvu": "PPRRVU2025_Oct.csv", "pfs-gpci": "GPCI2025.csv", "pfs-locality": "25LOCCO.csv",
       "pfs-zip": "ZIP5_OCT2025.txt"}
SCRUBBER = REPO / "tests" / "fixtures" / "ncci" / "scrubber"


def bench(copies: int) -> dict[str, Any]:
    from universe import write_universe

    from medcoder.audit.inputs import read_billed_claims, read_documentation, read_members
    from medcoder.audit.review import Reviewer
    from medcoder.audit.run import run_audit
    from medcoder.codesets.kb import KnowledgeBase
    from medcoder.codesets.store import DataStore

    tmp = Path(tempfile.mkdtemp(prefix="medcoder-bench-audit-"))
    kb = KnowledgeBase(DataStore(tmp / "data"))
    kb.install_bundled("icd10cm-tabular")
    kb.import_file("ncci-ptp-practitioner", SCRUBBER / "ccipra-v322r0-f1.txt")
    kb.import_file("mue-practitioner", SCRUBBER / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv")
    fees = (SHARED / "pfs").is_dir()
    if fees:
        for kind, name in PFS.items():
            kb.import_file(kind, SHARED / "pfs" / name)
    locality = "13202-01" if fees else None
    u = write_universe(tmp / "universe", copies=copies)
    claims = read_billed_claims(u.claims_csv).claims
    docs = read_documentation(u.docs).docs
    members = read_members(u.members).members
    n = len(claims)

    reviewer = Reviewer(kb, locality=locality, members=members)
    t0 = time.perf_counter()
    reviewer.review(claims[:20], docs)  # loads the coder (dictionary, tables) once
    warm_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reviews = reviewer.review(claims, docs)
    review_s = time.perf_counter() - t0
    findings = sum(len(r.findings) for r in reviews)

    t0 = time.perf_counter()
    run_audit(u.claims_csv, u.docs, members_path=u.members, locality=locality, kb=kb)
    run_s = time.perf_counter() - t0
    out = tmp / "workbook"
    t0 = time.perf_counter()
    res = run_audit(u.claims_csv, u.docs, members_path=u.members, locality=locality, kb=kb, out_dir=out,
                    sample_size=min(30, n), seed=20261203)
    book_s = time.perf_counter() - t0
    r = {
        "date": dt.date.today().isoformat(), "machine": machine(), "claims": n, "fees": fees,
        "findings": findings, "warm_s": round(warm_s, 2), "review_per_s": round(n / review_s, 1),
        "run_per_s": round(n / run_s, 1), "sample_book_s": round(book_s, 2), "sampled": len(res.reviews),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    shutil.rmtree(tmp, ignore_errors=True)
    return r


def _write(r: dict[str, Any]) -> None:
    start, end = "<!-- audit:start -->", "<!-- audit:end -->"
    tables = ("ICD-10-CM tabular (bundled), the scrubber's NCCI PTP and MUE fixtures, the CY2025 physician fee "
              "schedule (Manhattan)" if r["fees"] else
              "ICD-10-CM tabular, NCCI/MUE fixtures; no ../shared: E/M differences not priced")
    section = f"""{start}
## Audits (issue #8): `python benchmarks/bench_audit.py --write`

Measured {r['date']} on {r['machine']}; one process, one core. {r['claims']:,} claims from the audit
cases (tests/audit/cases, each written many times: correct, upcoded, downcoded, unbundled, over-MUE,
undocumented …), each with its note; tables: {tables}.

| measure | result | target |
|---|---|---|
| re-review with documentation (`Reviewer.review`: re-code, every check, quantify) | {r['review_per_s']:,} claims/s ({r['findings']:,} findings) | ≥ 50 claims/s/core |
| first 20 claims (loads the coder and the tables) | {r['warm_s']} s | |
| whole audit: read extract + notes + members, review, patterns (`run_audit`) | {r['run_per_s']:,} claims/s | |
| sample of {r['sampled']} + extrapolation + workbook (HTML, PDF, CSV, JSON) | {r['sample_book_s']} s | |
| peak RSS | {r['rss_mb']} MB | |

{end}"""
    put_section(start, end, section)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=25)
    ap.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    a = ap.parse_args()
    r = bench(a.copies)
    for k, v in r.items():
        print(f"{k}: {v}")
    if a.write:
        _write(r)


if __name__ == "__main__":
    main()
