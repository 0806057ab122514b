"""Benchmark remittances: 835 claims parsed and explained per second (issue #7 target >= 2,000).

    python benchmarks/bench_remit.py [--claims 5000] [--write]

The 835s are generated here for invented claims (the claims benchmark's mix of real code
numbers: 1-5 lines each) with every outcome a payer sends: paid (CO-45 down to the allowed
amount, PR-1/2 patient shares), partially denied (CO-97 + M15, CO-4), denied (CO-16 + MA130,
CO-50), reversed, and PLB adjustments; 100 claims per payment, 10 payments per file. Measured:

- parse (``read_835_text``, structure, amounts and dates checked; no pyx12);
- parse + explain (every CARC/RARC/group/status worded from the imported lists) + classify
  (denial root cause and action for every denied or reduced line): the issue's measure;
- the denial report over all of it;
- pyx12 validation of one generated file, on its own (it is a validator and slow).

The CARC/RARC lists come from ``../shared/data/carc_rarc`` (without them the explanations say
"description not loaded" and the rate is not comparable: the benchmark says so).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdoc import machine, put_section

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))

LISTS = {"carc": "claim_adjustment_reason_codes.csv", "rarc": "remittance_advice_remark_codes.csv",
         "claim-adjustment-groups": "claim_adjustment_group_codes.csv", "claim-status": "claim_status_codes.csv",
         "plb-reasons": "provider_adjustment_reason_codes.csv"}


def _files(n: int, seed: int = 7) -> tuple[list[str], int]:
    from bench_claims import _claims

    from medcoder.remit.generate import adjudicate, remittance_for
    from medcoder.remit.model import Party, ProviderAdjustment
    from medcoder.remit.writers.x835 import write_835

    rng = random.Random(seed)
    payer = Party(name="Example Health Plan", id_qualifier="XV", id="12345", address=["PO Box 100"],
                  city="Springfield", state="IL", zip="62701", contact={"BL": "EDI Support", "BL.TE": "8005550100"})
    payee = Party(name="Riverside Family Medicine", id_qualifier="XX", id="1234567893", address=["1 Main St"],
                  city="Springfield", state="IL", zip="62701", references={"TJ": "123456789"})
    claims = _claims(n)
    payments = []
    for i, c in enumerate(claims):
        allowed = {k: (ln.charge * Decimal("0.62")).quantize(Decimal("0.01")) for k, ln in enumerate(c.lines, 1)}
        roll = rng.random()
        if roll < 0.6:
            p = adjudicate(c, "paid", allowed=allowed, coinsurance=Decimal("5.00"), payer_claim_id=f"PC{i:07d}")
        elif roll < 0.8 and len(c.lines) > 1:
            p = adjudicate(c, "partial", allowed=allowed, payer_claim_id=f"PC{i:07d}",
                           denied_lines={len(c.lines): rng.choice([("97", "M15"), ("4", None)])})
        elif roll < 0.95:
            p = adjudicate(c, "denied", denial=rng.choice([("16", "MA130"), ("50", None)]), payer_claim_id=f"PC{i:07d}")
        else:
            first = adjudicate(c, "paid", allowed=allowed, payer_claim_id=f"PC{i:07d}")
            payments.append(first)
            p = adjudicate(c, "reversed", previous=first)
        payments.append(p)
    texts, per_check, per_file = [], 100, 10
    rems = []
    for k in range(0, len(payments), per_check):
        chunk = payments[k:k + per_check]
        paid = sum((p.paid for p in chunk), Decimal(0))
        plb = [ProviderAdjustment("1234567893", dt.date(2026, 12, 31), "L6", None, Decimal("-1.25"))]
        if paid > 5:
            plb.append(ProviderAdjustment("1234567893", dt.date(2026, 12, 31), "WO", f"OVP{k}", Decimal("5.00")))
        rems.append(remittance_for(chunk, payer=payer, payee=payee, trace=f"EFT{k:08d}", plb=plb,
                                   paid_on=dt.date(2026, 6, 1), method="ACH", control_number=f"{k // per_check + 1:04d}"))
    for k in range(0, len(rems), per_file):
        texts.append(write_835(rems[k:k + per_file], sender="PAYER", receiver="PRACTICE", control_number=k + 1,
                               when=dt.datetime(2026, 6, 1, 9, 0)))
    return texts, len(payments)


def bench(n: int) -> dict[str, Any]:
    from medcoder.codesets.kb import KnowledgeBase
    from medcoder.codesets.store import DataStore
    from medcoder.remit.denials import classify
    from medcoder.remit.explain import Explainer
    from medcoder.remit.readers.x835 import read_835_text
    from medcoder.remit.report import denial_report

    kb = KnowledgeBase(DataStore(Path(tempfile.mkdtemp(prefix="medcoder-bench-remit-"))))
    lists = (SHARED / "carc_rarc").is_dir()
    if lists:
        for kind, name in LISTS.items():
            kb.import_file(kind, SHARED / "carc_rarc" / name)
    texts, claims = _files(n)
    t0 = time.perf_counter()
    rems = [r for i, t in enumerate(texts) for r in read_835_text(t, source=f"gen{i}.835", validate=False)]
    parse_s = time.perf_counter() - t0
    assert sum(len(r.claims) for r in rems) == claims
    ex = Explainer(kb)
    ex.explain(rems[0])  # open the lists once
    t0 = time.perf_counter()
    denials = 0
    for i, t in enumerate(texts):
        for r in read_835_text(t, source=f"gen{i}.835", validate=False):
            ex.explain(r)
            for c in r.claims:
                denials += len(classify(c))
    full_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rep = denial_report(rems)
    report_s = time.perf_counter() - t0
    from medcoder.remit.readers.x835 import pyx12_findings

    one = texts[0]
    t0 = time.perf_counter()
    found = pyx12_findings(one)
    pyx12_s = time.perf_counter() - t0
    per_file = sum(1 for _ in read_835_text(one, validate=False) for _ in _.claims)
    return {
        "date": dt.date.today().isoformat(), "machine": machine(), "claims": claims, "files": len(texts),
        "lines": sum(len(c.lines) for r in rems for c in r.claims), "lists": lists,
        "parse_per_s": round(claims / parse_s), "parse_explain_per_s": round(claims / full_s),
        "denials": denials, "report_per_s": round(claims / report_s),
        "report_denied": rep.to_dict()["totals"].get("denied_lines"),
        "pyx12_claims_per_s": round(per_file / pyx12_s, 1), "pyx12_claims": per_file, "pyx12_findings": len(found),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _write(r: dict[str, Any]) -> None:
    start, end = "<!-- remit:start -->", "<!-- remit:end -->"
    lists = ("the CARC, RARC, group, claim status and PLB lists from ../shared/data/carc_rarc" if r["lists"] else
             "no code lists (../shared absent): explanations say 'not loaded', not comparable")
    section = f"""{start}
## Remittances (issue #7): `python benchmarks/bench_remit.py --write`

Measured {r['date']} on {r['machine']}; one process, one core. {r['claims']:,} generated 835
claims ({r['lines']:,} service lines; paid, partly denied, denied and reversed, PLBs) in {r['files']} files of
10 payments x 100 claims; {lists}.

| measure | result | target |
|---|---|---|
| parse (`read_835_text`, no pyx12) | {r['parse_per_s']:,} claims/s | |
| parse + explain + classify denials | {r['parse_explain_per_s']:,} claims/s ({r['denials']:,} denials) | ≥ 2,000 claims/s |
| denial report over the whole set | {r['report_per_s']:,} claims/s | |
| pyx12 validation of one generated file | {r['pyx12_claims_per_s']} claims/s ({r['pyx12_claims']} claims, {r['pyx12_findings']} findings) | measured separately |
| peak RSS | {r['rss_mb']} MB | |

{end}"""
    put_section(start, end, section)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    a = ap.parse_args()
    r = bench(a.claims)
    for k, v in r.items():
        print(f"{k}: {v}")
    if a.write:
        _write(r)


if __name__ == "__main__":
    main()
